#[strata::test]
struct NotATest;

fn main() {}
