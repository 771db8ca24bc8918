//! One module per subcommand: its arguments, their validation and its printing; the work is
//! the library's.

pub mod bench;
pub mod ensemble;
pub mod inspect;
pub mod minimize;
pub mod peers;
pub mod prepare;
pub mod report;
pub mod spectrum;
