//! The `gridassist` binary: parse the command line and hand over to the library.

use clap::Parser;

#[actix_web::main]
async fn main() {
    let cli = gridassist::cli::Cli::parse();
    if let Err(error) = gridassist::cli::run(cli).await {
        eprintln!("gridassist: {error:#}");
        std::process::exit(1);
    }
}
