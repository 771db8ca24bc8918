"""Type stubs of the extension module bondspace._native (the Rust layer; use the package
`bondspace`, which wraps it with SciPy objects and dataclasses)."""

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str
DEFAULT_TOLERANCE: float

Callback = Optional[Callable[[int, int, str], Any]]
CsrParts = Tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64], Tuple[int, int]]

class Configuration:
    @staticmethod
    def from_arrays(
        positions: npt.NDArray[np.float64],
        box_lengths: npt.NDArray[np.float64],
        sizes: npt.NDArray[np.float64],
        model: str,
        params: Dict[str, str],
        species: Optional[List[str]] = None,
        info: Optional[Dict[str, str]] = None,
    ) -> "Configuration": ...
    @staticmethod
    def read(
        path: str,
        format: Optional[str] = None,
        frame: Optional[int] = None,
        model: Optional[str] = None,
        params: Optional[Dict[str, str]] = None,
        size_column: Optional[str] = None,
        size_convention: Optional[str] = None,
        type_sizes: Optional[List[float]] = None,
        dim: Optional[int] = None,
    ) -> "Configuration": ...
    def write(self, path: str) -> None: ...
    def to_xyz_string(self) -> str: ...
    def state_json(self) -> str: ...
    def __len__(self) -> int: ...
    @property
    def dim(self) -> int: ...
    @property
    def positions(self) -> npt.NDArray[np.float64]: ...
    @property
    def box_lengths(self) -> npt.NDArray[np.float64]: ...
    @property
    def sizes(self) -> npt.NDArray[np.float64]: ...
    @property
    def species(self) -> List[str]: ...
    @property
    def model(self) -> str: ...
    @property
    def params(self) -> Dict[str, str]: ...
    @property
    def size_per_radius(self) -> float: ...
    @property
    def info(self) -> Dict[str, str]: ...

class BondOperator:
    def __init__(self, config: Configuration, ordering: str = "metis") -> None: ...
    @property
    def shape(self) -> Tuple[int, int]: ...
    def apply(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...

def prepare_ipl(
    dim: int,
    n: int,
    tp: float,
    seed: int,
    sweeps: Optional[int] = None,
    density: Optional[float] = None,
    tolerance: float = ...,
    callback: Callback = None,
) -> Tuple[Configuration, Optional[str]]: ...
def prepare_harmonic(
    dim: int, n: int, pressure: float, seed: int, tolerance: float = ..., callback: Callback = None
) -> Configuration: ...
def minimize(
    config: Configuration, tolerance: float = ..., callback: Callback = None
) -> Tuple[Configuration, str]: ...
def spectrum(
    config: Configuration,
    method: str = "auto",
    modes: int = 0,
    phm: bool = False,
    participation: bool = False,
    dipoles: int = 0,
    bins: int = 30,
    lambda_range: Tuple[float, float] = (1e-3, 1e4),
    omega_range: Tuple[float, float] = (1e-2, 1e2),
    ordering: str = "metis",
    allow_unbalanced: bool = False,
    output: Optional[str] = None,
    callback: Callback = None,
) -> Dict[str, Any]: ...
def operators(config: Configuration) -> Dict[str, Any]: ...
def run_ensemble(
    output: str, spec_json: str, shard: Tuple[int, int] = (0, 1), callback: Callback = None
) -> Dict[str, Any]: ...
def report_json(dir: str) -> str: ...
def model_keys(name: str) -> Optional[List[str]]: ...
