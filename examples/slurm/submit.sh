#!/bin/bash
# Submits the shard array and a merge job that starts when every shard has finished
# (afterany: a failed shard still lets the merge pool what exists; resubmitting the array
# resumes the missing samples, and merging again adds them).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p logs
array=$(sbatch --parsable ensemble.sbatch)
sbatch --dependency=afterany:"${array}" merge.sbatch
echo "submitted array ${array} and its merge"
