//! What the machine offers and what this process uses: available memory (to refuse, or to
//! size, memory-hungry stages before they start) and the peak resident memory (for the
//! scaling benchmark). Linux `/proc`; elsewhere the functions return `None`.

/// Bytes of memory available to new allocations (`MemAvailable` of `/proc/meminfo`).
pub fn available_memory() -> Option<f64> {
    std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb * 1024.0)
    })
}

/// Peak resident memory of this process in bytes (`VmHWM` of `/proc/self/status`).
pub fn peak_memory() -> Option<f64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map(|kb| kb * 1024.0)
        })
}

/// Resets the peak resident memory to the current one (writes 5 to `/proc/self/clear_refs`),
/// so that [`peak_memory`] measures the stage that follows. Returns false if not supported.
pub fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Whether a process with this id is running (Linux: `/proc/PID` exists). Elsewhere, where
/// it cannot be told, every process counts as running, so nothing of a live process is ever
/// taken for stale.
pub fn process_alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

/// Worker threads of the parallel parts (rayon's pool: `RAYON_NUM_THREADS`, else the cores).
pub fn threads() -> usize {
    rayon::current_num_threads()
}
