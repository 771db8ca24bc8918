//! `bondspace inspect`: N, d, box, model, energy, pressure, max force and bonds of a file.

use std::path::Path;

use anyhow::Context;
use bondspace::with_dim;

use crate::args::InputArgs;

/// Runs `inspect`.
pub fn run(path: &Path, json: bool, read: &InputArgs) -> anyhow::Result<()> {
    let cfg = read.read(path)?;
    let st = with_dim!(&cfg, c => bondspace::state::state(c))
        .with_context(|| format!("analysing {}", path.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&st)?);
        return Ok(());
    }
    println!("file                {}", path.display());
    println!("particles           {}", st.n_particles);
    println!("dimension           {}", st.dim);
    println!("box                 {:?}", st.box_lengths);
    println!("density             {}", st.density);
    let params: Vec<String> = st
        .model_params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!("model               {} {}", st.model, params.join(" "));
    println!("energy              {}", st.energy);
    println!("energy / particle   {}", st.energy_per_particle);
    println!("pressure            {}", st.pressure);
    println!("max force           {:e}", st.max_force);
    println!("typical pair force  {}", st.typical_pair_force);
    println!("force resolution    {:e}", st.force_resolution);
    println!("bonds               {}", st.n_bonds);
    println!("bonds / particle    {}", st.bonds_per_particle);
    println!("rattlers            {}", st.n_rattlers);
    println!(
        "bonds / particle (without rattlers) {}",
        st.bonds_per_particle_without_rattlers
    );
    Ok(())
}
