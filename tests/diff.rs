//! `strata::diff` on real databases: for every kind of change, the plan's up script is applied
//! through the runtime as a migration to a database holding rows, `reflect` must match the new
//! schema and the rows must survive; then the down script must bring the old schema back.

use strata::sqlx;
use strata::{
    Backend, ColumnDefault, ColumnSnapshot, DiffOptions, FkAction, ForeignKeySnapshot,
    IndexSnapshot, Snapshot, SqlType, TableSnapshot,
};
use strata_runtime::testing::{execute, texts};

fn column(name: &str, sql_type: SqlType, nullable: bool) -> ColumnSnapshot {
    ColumnSnapshot {
        name: name.to_owned(),
        sql_type,
        type_known: true,
        db_type: None,
        nullable,
        default: None,
        auto_increment: false,
        renamed_from: None,
    }
}

fn names(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn index(columns: &[&str]) -> IndexSnapshot {
    IndexSnapshot {
        name: None,
        columns: names(columns),
    }
}

fn users() -> TableSnapshot {
    TableSnapshot {
        name: "users".to_owned(),
        columns: vec![
            ColumnSnapshot {
                auto_increment: true,
                ..column("id", SqlType::BigInt, false)
            },
            column("name", SqlType::Varchar(20), false),
            column("age", SqlType::Integer, true),
        ],
        primary_key: names(&["id"]),
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
    }
}

fn user_fk() -> ForeignKeySnapshot {
    ForeignKeySnapshot {
        name: None,
        columns: names(&["user_id"]),
        ref_table: "users".to_owned(),
        ref_columns: names(&["id"]),
        on_delete: Some(FkAction::Cascade),
        on_update: None,
    }
}

/// `posts` references `users` with ON DELETE CASCADE: a SQLite rebuild of `users` that ran with
/// foreign keys on would delete every post.
fn posts() -> TableSnapshot {
    TableSnapshot {
        name: "posts".to_owned(),
        columns: vec![
            ColumnSnapshot {
                auto_increment: true,
                ..column("id", SqlType::BigInt, false)
            },
            column("user_id", SqlType::BigInt, false),
            column("body", SqlType::Text, true),
        ],
        primary_key: names(&["id"]),
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: vec![user_fk()],
    }
}

fn model(tables: Vec<TableSnapshot>) -> Snapshot {
    Snapshot {
        dialect: None,
        tables,
    }
}

const SEED_USERS: &str =
    "INSERT INTO users (id, name, age) VALUES (1, 'ann', 30), (2, 'bob', NULL)";
const SEED_POSTS: &str =
    "INSERT INTO posts (id, user_id, body) VALUES (10, 1, 'hello'), (11, 2, 'world')";

/// One kind of change: the two schemas, and what the rows look like after each step.
struct Case {
    old: Snapshot,
    new: Snapshot,
    options: DiffOptions,
    seed: Vec<&'static str>,
    /// Statements run after the up script, before its checks.
    after_up_run: Vec<&'static str>,
    /// (query, first column of every row) after the up script.
    after_up: Vec<(&'static str, Vec<&'static str>)>,
    /// The same after the down script.
    after_down: Vec<(&'static str, Vec<&'static str>)>,
}

impl Case {
    fn new(old: Vec<TableSnapshot>, new: Vec<TableSnapshot>) -> Case {
        Case {
            old: model(old),
            new: model(new),
            options: DiffOptions::default(),
            seed: vec![SEED_USERS, SEED_POSTS],
            after_up_run: Vec::new(),
            after_up: Vec::new(),
            after_down: Vec::new(),
        }
    }

    /// Checks that hold after both scripts.
    fn always(mut self, query: &'static str, rows: Vec<&'static str>) -> Case {
        self.after_up.push((query, rows.clone()));
        self.after_down.push((query, rows));
        self
    }

    fn up(mut self, query: &'static str, rows: Vec<&'static str>) -> Case {
        self.after_up.push((query, rows));
        self
    }

    fn down(mut self, query: &'static str, rows: Vec<&'static str>) -> Case {
        self.after_down.push((query, rows));
        self
    }
}

/// The repository: the old schema's creation as version 1 and, once a plan is given, the plan
/// as version 2 with its down script.
fn repository(
    dialect: strata::Dialect,
    old: &Snapshot,
    plan: Option<&strata::Plan>,
) -> strata::Migrations {
    let create = strata::diff(&model(Vec::new()), old, dialect);
    let file = |name: &str, text: String| strata_core::migration::SourceFile {
        name: name.to_owned(),
        text,
    };
    let mut files = vec![file("0001_old.sql", create.up_sql())];
    if let Some(plan) = plan {
        files.push(file("0002_change.sql", plan.up_sql()));
        files.push(file("0002_change.down.sql", plan.down_sql()));
    }
    strata_core::migration::check_repository(&files, None, &[dialect])
        .unwrap_or_else(|problems| panic!("{problems:?}"))
}

async fn check_rows<DB: Backend>(pool: &sqlx::Pool<DB>, step: &str, checks: &[(&str, Vec<&str>)]) {
    for (query, expected) in checks {
        // MySQL casts to text with CHAR.
        let query = match DB::DIALECT {
            strata::Dialect::Mysql => query.replace("AS TEXT)", "AS CHAR)"),
            _ => (*query).to_owned(),
        };
        assert_eq!(
            texts(pool, &query).await,
            *expected,
            "{} after {step}: {query}",
            DB::DIALECT
        );
    }
}

/// Creates the old schema, seeds it, plans from what `reflect` reads (as `make-migration` does
/// from a live database or a replay), applies the plan and its down script as migration 2.
async fn run<DB: Backend>(pool: &sqlx::Pool<DB>, case: Case) {
    let dialect = DB::DIALECT;
    strata::runtime::upgrade(pool, &repository(dialect, &case.old, None))
        .await
        .unwrap();
    for seed in &case.seed {
        execute(pool, seed).await;
    }
    let live_old = strata::runtime::reflect(pool).await.unwrap();
    let plan = strata::diff_with(&live_old, &case.new, dialect, &case.options);
    assert!(!plan.is_empty());
    assert!(
        !plan.warnings().iter().any(|w| w.blocks()),
        "{:?}",
        plan.warnings()
    );
    // The model before the change plans the same steps (names aside, which reflection reads).
    let from_model = strata::diff_with(&case.old, &case.new, dialect, &case.options);
    assert_eq!(plan.warnings(), from_model.warnings());
    let migrations = repository(dialect, &case.old, Some(&plan));

    strata::runtime::upgrade(pool, &migrations)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", plan.up_sql()));
    let live = strata::runtime::reflect(pool).await.unwrap();
    live.matches(&case.new)
        .unwrap_or_else(|d| panic!("{d}\nafter the up script:\n{}", plan.up_sql()));
    for statement in &case.after_up_run {
        execute(pool, statement).await;
    }
    check_rows(pool, "the up script", &case.after_up).await;
    // Nothing is left to do.
    let again = strata::diff_with(&live, &case.new, dialect, &case.options);
    assert!(again.is_empty(), "a second plan:\n{}", again.up_sql());

    strata::runtime::downgrade(pool, &migrations, 1)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", plan.down_sql()));
    strata::runtime::reflect(pool)
        .await
        .unwrap()
        .matches(&case.old)
        .unwrap_or_else(|d| panic!("{d}\nafter the down script:\n{}", plan.down_sql()));
    check_rows(pool, "the down script", &case.after_down).await;
}

const USER_NAMES: &str = "SELECT name FROM users ORDER BY id";
const POST_BODIES: &str = "SELECT body FROM posts ORDER BY id";

async fn create_table<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut case = Case::new(vec![users()], vec![users(), posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .up("SELECT CAST(COUNT(*) AS TEXT) FROM posts", vec!["0"]);
    case.seed = vec![SEED_USERS];
    run(pool, case).await;
}

async fn drop_table<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut case = Case::new(vec![users(), posts()], vec![users()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .down("SELECT CAST(COUNT(*) AS TEXT) FROM posts", vec!["0"]);
    case.options = DiffOptions {
        drop_unmanaged: true,
    };
    run(pool, case).await;
}

async fn add_columns<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut new = users();
    new.columns.push(column("email", SqlType::Text, true));
    new.columns.push(ColumnSnapshot {
        default: Some(ColumnDefault::Int(7)),
        ..column("score", SqlType::Integer, false)
    });
    let case = Case::new(vec![users(), posts()], vec![new, posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"])
        .up(
            "SELECT CAST(score AS TEXT) FROM users ORDER BY id",
            vec!["7", "7"],
        )
        .up("SELECT email FROM users ORDER BY id", vec!["NULL", "NULL"]);
    run(pool, case).await;
}

async fn drop_column<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut new = users();
    new.columns.remove(2);
    let case = Case::new(vec![users(), posts()], vec![new, posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"])
        // The column comes back, empty.
        .down(
            "SELECT CAST(age AS TEXT) FROM users ORDER BY id",
            vec!["NULL", "NULL"],
        );
    run(pool, case).await;
}

async fn rename_column<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut new = posts();
    new.columns[2] = ColumnSnapshot {
        renamed_from: Some("body".to_owned()),
        ..column("body_text", SqlType::Text, true)
    };
    let case = Case::new(vec![users(), posts()], vec![users(), new])
        .up(
            "SELECT body_text FROM posts ORDER BY id",
            vec!["hello", "world"],
        )
        .down(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

async fn widen_types<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut new = users();
    new.columns[1] = column("name", SqlType::Varchar(100), false);
    new.columns[2] = column("age", SqlType::BigInt, true);
    let case = Case::new(vec![users(), posts()], vec![new, posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(
            "SELECT CAST(age AS TEXT) FROM users ORDER BY id",
            vec!["30", "NULL"],
        )
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

async fn change_nullability<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut new = users();
    new.columns[1] = column("name", SqlType::Varchar(20), true);
    // NULL -> NOT NULL with a default: the rows holding NULL get the default.
    new.columns[2] = ColumnSnapshot {
        default: Some(ColumnDefault::Int(0)),
        ..column("age", SqlType::Integer, false)
    };
    let case = Case::new(vec![users(), posts()], vec![new, posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(
            "SELECT CAST(age AS TEXT) FROM users ORDER BY id",
            vec!["30", "0"],
        )
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

async fn change_defaults<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut old = users();
    old.columns[1].default = Some(ColumnDefault::Str("nobody".to_owned()));
    let mut new = users();
    new.columns[2].default = Some(ColumnDefault::Int(18));
    let case = Case::new(vec![old, posts()], vec![new, posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(
            "SELECT CAST(age AS TEXT) FROM users ORDER BY id",
            vec!["30", "NULL"],
        )
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

async fn change_indexes<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut old = users();
    old.indexes.push(index(&["age"]));
    let mut new = users();
    new.indexes.push(index(&["name", "age"]));
    let case = Case::new(vec![old, posts()], vec![new, posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

async fn change_uniques<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut old = users();
    old.uniques.push(index(&["age"]));
    let mut new = users();
    new.uniques.push(index(&["name"]));
    let case = Case::new(vec![old, posts()], vec![new, posts()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

async fn change_foreign_keys<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut old = posts();
    old.foreign_keys.clear();
    let mut new = posts();
    new.foreign_keys[0].on_delete = None;
    let mut set_null = posts();
    set_null.columns[1].nullable = true;
    set_null.foreign_keys[0].on_delete = Some(FkAction::SetNull);
    // Added (none -> restrict), then changed (restrict -> set null) in a second run below.
    let case = Case::new(vec![users(), old], vec![users(), new.clone()])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
    execute(pool, "DROP TABLE posts").await;
    execute(pool, "DROP TABLE users").await;
    execute(pool, "DROP TABLE strata_migrations").await;
    let case = Case::new(vec![users(), new], vec![users(), set_null])
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

async fn change_primary_key<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let memberships = |key: &[&str]| TableSnapshot {
        name: "memberships".to_owned(),
        columns: vec![
            column("user_id", SqlType::BigInt, false),
            column("team", SqlType::BigInt, false),
            column("role", SqlType::Varchar(20), true),
        ],
        primary_key: names(key),
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
    };
    let mut case = Case::new(
        vec![users(), memberships(&["user_id"])],
        vec![users(), memberships(&["user_id", "team"])],
    )
    .always(
        "SELECT role FROM memberships ORDER BY user_id",
        vec!["owner", "NULL"],
    );
    case.seed = vec![
        SEED_USERS,
        "INSERT INTO memberships (user_id, team, role) VALUES (1, 7, 'owner'), (2, 7, NULL)",
    ];
    run(pool, case).await;
}

/// A key widened on both sides of a foreign key (MySQL refuses to change either while the key
/// exists).
async fn widen_a_referenced_key<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let schema = |key: SqlType| {
        let mut parent = users();
        parent.columns[0].sql_type = key;
        let mut child = posts();
        child.columns[1].sql_type = key;
        vec![parent, child]
    };
    let case = Case::new(schema(SqlType::Integer), schema(SqlType::BigInt))
        .always(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"])
        .always(
            "SELECT CAST(user_id AS TEXT) FROM posts ORDER BY id",
            vec!["1", "2"],
        );
    run(pool, case).await;
}

/// A unique index made by hand (not a constraint) is dropped by the name reflection reads.
async fn hand_made_unique_index<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let dialect = DB::DIALECT;
    let model_schema = model(vec![users()]);
    strata::runtime::upgrade(pool, &repository(dialect, &model_schema, None))
        .await
        .unwrap();
    execute(pool, SEED_USERS).await;
    execute(pool, "CREATE UNIQUE INDEX users_name_uniq ON users (name)").await;
    let live_old = strata::runtime::reflect(pool).await.unwrap();
    assert_eq!(
        live_old.table("users").unwrap().uniques[0].name.as_deref(),
        Some("users_name_uniq")
    );
    let plan = strata::diff(&live_old, &model_schema, dialect);
    assert!(!plan.is_empty());
    let migrations = repository(dialect, &model_schema, Some(&plan));
    strata::runtime::upgrade(pool, &migrations)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", plan.up_sql()));
    strata::runtime::reflect(pool)
        .await
        .unwrap()
        .matches(&model_schema)
        .unwrap_or_else(|d| panic!("{d}\n{}", plan.up_sql()));
    strata::runtime::downgrade(pool, &migrations, 1)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", plan.down_sql()));
    strata::runtime::reflect(pool)
        .await
        .unwrap()
        .matches(&live_old)
        .unwrap_or_else(|d| panic!("{d}\n{}", plan.down_sql()));
    check_rows(pool, "the down script", &[(USER_NAMES, vec!["ann", "bob"])]).await;
}

/// A key that becomes auto-increment continues after the numbers its rows hold.
async fn add_auto_increment<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut old = users();
    old.columns[0].auto_increment = false;
    let mut case = Case::new(vec![old, posts()], vec![users(), posts()])
        .always(POST_BODIES, vec!["hello", "world"])
        .up(USER_NAMES, vec!["ann", "bob", "cy"])
        .up(
            "SELECT CAST(id AS TEXT) FROM users ORDER BY id",
            vec!["1", "2", "3"],
        );
    case.after_up_run = vec!["INSERT INTO users (name) VALUES ('cy')"];
    run(pool, case).await;
}

/// Several kinds at once, across tables: a new table referencing a changed one, a rename, a
/// type change and an index.
async fn many_changes_at_once<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut new_users = users();
    new_users.columns[1] = ColumnSnapshot {
        renamed_from: Some("name".to_owned()),
        ..column("full_name", SqlType::Varchar(60), false)
    };
    new_users.indexes.push(index(&["full_name"]));
    let mut new_posts = posts();
    new_posts.columns.push(ColumnSnapshot {
        default: Some(ColumnDefault::Bool(false)),
        ..column("draft", SqlType::Bool, false)
    });
    let mut comments = posts();
    comments.name = "comments".to_owned();
    comments.columns[1] = column("post_id", SqlType::BigInt, false);
    comments.foreign_keys = vec![ForeignKeySnapshot {
        columns: names(&["post_id"]),
        ref_table: "posts".to_owned(),
        ..user_fk()
    }];
    let case = Case::new(vec![users(), posts()], vec![comments, new_posts, new_users])
        .up(
            "SELECT full_name FROM users ORDER BY id",
            vec!["ann", "bob"],
        )
        .down(USER_NAMES, vec!["ann", "bob"])
        .always(POST_BODIES, vec!["hello", "world"]);
    run(pool, case).await;
}

/// The models of the README's walk-through: `renamed_from` on a derived struct reaches the plan.
// Models are read only through their `DEF`s.
#[allow(dead_code)]
mod before {
    #[derive(strata::Table)]
    #[table(name = "users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(length = 20)]
        pub name: String,
        pub age: Option<i32>,
    }

    #[derive(strata::Table)]
    #[table(name = "posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(references = User, on_delete = "cascade")]
        pub user_id: i64,
        pub body: Option<String>,
    }

    pub static SCHEMA: strata::Schema = strata::schema![User, Post];
}

#[allow(dead_code)]
mod after {
    #[derive(strata::Table)]
    #[table(name = "users", index(name))]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(length = 40)]
        pub name: String,
        #[column(default = 0)]
        pub age: i64,
    }

    #[derive(strata::Table)]
    #[table(name = "posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(references = User, on_delete = "cascade")]
        pub user_id: i64,
        #[column(rename = "body_text", renamed_from = "body")]
        pub body: Option<String>,
        #[column(default = 0)]
        pub likes: i32,
    }

    pub static SCHEMA: strata::Schema = strata::schema![User, Post];
}

async fn derived_models<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut case = Case::new(Vec::new(), Vec::new())
        .always(USER_NAMES, vec!["ann", "bob"])
        .up(
            "SELECT body_text FROM posts ORDER BY id",
            vec!["hello", "world"],
        )
        .up(
            "SELECT CAST(age AS TEXT) FROM users ORDER BY id",
            vec!["30", "0"],
        )
        .down(POST_BODIES, vec!["hello", "world"]);
    case.old = before::SCHEMA.snapshot();
    case.new = after::SCHEMA.snapshot();
    run(pool, case).await;
}

strata_runtime::on_each_backend!(
    create_table,
    drop_table,
    add_columns,
    drop_column,
    rename_column,
    widen_types,
    widen_a_referenced_key,
    change_nullability,
    change_defaults,
    change_indexes,
    change_uniques,
    change_foreign_keys,
    change_primary_key,
    add_auto_increment,
    hand_made_unique_index,
    many_changes_at_once,
    derived_models,
);
