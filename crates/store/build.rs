//! `sqlx::migrate!` embeds the migration files when this crate compiles; without this, adding a
//! migration and nothing else would leave the build without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
