//! The default table name: the struct's name in snake_case (core's rule, which
//! `Snapshot::to_rust_source` relies on too).

pub use strata_core::table::default_table_name as to_snake_case;

#[cfg(test)]
mod tests {
    use super::to_snake_case;

    #[test]
    fn snake_case_of_struct_names() {
        assert_eq!(to_snake_case("User"), "user");
        assert_eq!(to_snake_case("UserProfile"), "user_profile");
        assert_eq!(to_snake_case("HTTPRequest"), "http_request");
        assert_eq!(to_snake_case("User2FA"), "user2_fa");
        assert_eq!(to_snake_case("ABC"), "abc");
        assert_eq!(to_snake_case("already_snake"), "already_snake");
        assert_eq!(to_snake_case("Order_Line"), "order_line");
    }
}
