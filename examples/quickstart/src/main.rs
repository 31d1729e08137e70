//! strata's quickstart: two related tables derived from structs, created on SQLite with
//! `create_all`, then a row written and read back with sqlx (re-exported as `strata::sqlx`).
//!
//! Run it with `cargo run -p quickstart`; it needs nothing installed (an in-memory database).

use strata::Table;
use strata::sqlx::{self, Row as _, sqlite::SqlitePoolOptions};

#[derive(Table)]
#[table(name = "authors")]
pub struct Author {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(length = 64, unique)]
    pub name: String,
    pub email: Option<String>,
}

#[derive(Table)]
#[table(name = "posts")]
pub struct Post {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(references = Author, on_delete = "cascade", index)]
    pub author_id: i64,
    pub title: String,
    #[column(default = 0)]
    pub likes: i32,
}

/// The tables `create_all` creates: `authors` first, because `posts` references it.
pub static SCHEMA: strata::Schema = strata::schema![Post, Author];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every connection to `sqlite::memory:` opens a database of its own, so use one.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;

    strata::runtime::create_all(&pool, &SCHEMA).await?;
    let live = strata::runtime::reflect(&pool).await?;
    for table in &live.tables {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.db_type.as_deref().unwrap_or("?")))
            .collect();
        println!("created table {} ({})", table.name, columns.join(", "));
    }
    // The database now holds exactly what the structs declare.
    live.matches(&SCHEMA.snapshot())?;
    println!("the database matches the model");

    let author_id: i64 = sqlx::query("INSERT INTO authors (name) VALUES (?) RETURNING id")
        .bind("Ada")
        .fetch_one(&pool)
        .await?
        .try_get(0)?;
    sqlx::query("INSERT INTO posts (author_id, title) VALUES (?, ?)")
        .bind(author_id)
        .bind("Hello, strata")
        .execute(&pool)
        .await?;
    println!("inserted author {author_id} and one post");

    let row = sqlx::query(
        "SELECT authors.name, posts.title, posts.likes \
         FROM posts JOIN authors ON authors.id = posts.author_id",
    )
    .fetch_one(&pool)
    .await?;
    let (name, title, likes): (String, String, i32) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    println!("read back: {name} wrote {title:?} ({likes} likes, the column's default)");

    // Running create_all again changes nothing.
    strata::runtime::create_all(&pool, &SCHEMA).await?;
    assert_eq!(strata::runtime::reflect(&pool).await?, live);
    println!("create_all again: nothing to do");

    strata::runtime::drop_all(&pool, &SCHEMA).await?;
    println!("dropped posts, then authors");
    Ok(())
}
