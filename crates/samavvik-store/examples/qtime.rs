// Temporary: time SQL statements through the bundled SQLite (removed before handing back).
use sqlx::{Connection, Row};
#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut c = sqlx::SqliteConnection::connect(&args[1]).await.unwrap();
    let v: String = sqlx::query_scalar("select sqlite_version()").fetch_one(&mut c).await.unwrap();
    println!("sqlite {v}");
    let text = std::fs::read_to_string(&args[2]).unwrap();
    for stmt in text.split(";\n").map(str::trim).filter(|s| !s.is_empty() && !s.starts_with('.')) {
        let plan = sqlx::query(&format!("EXPLAIN QUERY PLAN {stmt}")).fetch_all(&mut c).await.unwrap();
        let t = std::time::Instant::now();
        let rows = sqlx::query(stmt).fetch_all(&mut c).await.unwrap();
        println!("{:>8.1} ms {:>7} rows  {}", t.elapsed().as_secs_f64() * 1000.0, rows.len(), &stmt[..stmt.len().min(110)]);
        for p in plan { let d: String = p.get(3); println!("             {d}"); }
    }
}
