//! Rebuilds when a migration changes: `sqlx::migrate!` embeds the files in `migrations/`, and
//! cargo would not otherwise know they are inputs.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
