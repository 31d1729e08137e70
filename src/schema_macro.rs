//! `strata::schema![..]`.

/// A [`Schema`](crate::Schema) of the listed [`Table`](crate::Table) types, built and checked
/// at compile time, so it can initialize a `static`:
///
/// ```
/// use strata::Table;
///
/// #[derive(Table)]
/// #[table(name = "users")]
/// pub struct User {
///     #[column(primary_key, auto_increment)]
///     pub id: i64,
///     pub name: String,
/// }
///
/// #[derive(Table)]
/// #[table(name = "posts")]
/// pub struct Post {
///     #[column(primary_key, auto_increment)]
///     pub id: i64,
///     #[column(references = User, on_delete = "cascade")]
///     pub user_id: i64,
/// }
///
/// pub static SCHEMA: strata::Schema = strata::schema![User, Post];
///
/// let names: Vec<&str> = SCHEMA.tables.iter().map(|table| table.name).collect();
/// assert_eq!(names, ["users", "posts"]);
/// ```
///
/// The order of the list does not matter to `create_all`, which creates referenced tables
/// first. Each of these is a compile error whose message names both sides:
///
/// - a foreign key to a table that is not in the list
///   (`strata::schema!: table `posts` references table `users`, which is not in this schema`),
///   or to a column that table does not have;
/// - two tables with one name, or one type listed twice;
/// - a table with two columns of one name (possible only in a hand-written `TableDef`);
/// - foreign keys that form a cycle between distinct tables (`create_all` could not order
///   them); a table that references itself is fine.
///
/// ```compile_fail
/// # use strata::Table;
/// # #[derive(Table)]
/// # #[table(name = "users")]
/// # pub struct User { #[column(primary_key)] pub id: i64 }
/// # #[derive(Table)]
/// # pub struct Post { #[column(primary_key)] pub id: i64, #[column(references = User)] pub user_id: i64 }
/// // error: strata::schema!: table `post` references table `users`, which is not in this schema
/// pub static SCHEMA: strata::Schema = strata::schema![Post];
/// ```
///
/// A schema built by hand (`Schema { tables: &[..] }`) is checked the same way by
/// [`Schema::validate`](crate::Schema::validate), which `create_all` calls before it creates
/// anything.
#[macro_export]
macro_rules! schema {
    ($($table:ty),* $(,)?) => {{
        const __STRATA_SCHEMA: $crate::Schema =
            $crate::Schema::checked(&[$(&<$table as $crate::Table>::DEF),*]);
        __STRATA_SCHEMA
    }};
}
