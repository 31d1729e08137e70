// A new migration file must rebuild the crate, not only an edited one.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
