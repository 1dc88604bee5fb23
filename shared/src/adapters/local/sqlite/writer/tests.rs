use std::sync::mpsc;

use rusqlite::params;

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    writer: Writer,
    writes: Arc<AtomicU64>,
}

/// A file database with one table; the parent table's foreign key is checked at commit.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("writer.sqlite");
    let conn = Connection::open(&path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;
         CREATE TABLE parents (id INTEGER PRIMARY KEY);
         CREATE TABLE rows (id INTEGER PRIMARY KEY, parent INTEGER
             REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);",
    )
    .expect("schema");
    let writes = Arc::<AtomicU64>::default();
    let writer = Writer::start(conn, writes.clone(), None).expect("writer");
    Fixture { _dir: dir, path, writer, writes }
}

fn insert(id: i64, parent: Option<i64>) -> impl FnOnce(&Connection) -> StoreResult<usize> + Send + 'static {
    move |conn| conn.execute("INSERT INTO rows (id, parent) VALUES (?1, ?2)", params![id, parent]).map_err(db_err)
}

fn stored_ids(path: &std::path::Path) -> Vec<i64> {
    let conn = Connection::open(path).expect("open");
    let mut statement = conn.prepare("SELECT id FROM rows ORDER BY id").expect("prepare");
    statement.query_map([], |row| row.get(0)).expect("query").collect::<Result<_, _>>().expect("rows")
}

/// Holds the writer thread inside an alone write until the returned sender is dropped, so that
/// what is queued meanwhile is queued together.
async fn hold(writer: &Writer) -> (mpsc::Sender<()>, impl Future<Output = StoreResult<()>> + use<>) {
    let (release, released) = mpsc::channel::<()>();
    let (entered, inside) = oneshot::channel();
    let held = writer.write(move |_| {
        let _ = entered.send(());
        let _ = released.recv();
        Ok(())
    });
    inside.await.expect("the writer took the holding write");
    (release, held)
}

#[tokio::test]
async fn grouped_writes_queued_together_share_one_commit() {
    let f = fixture();
    let (release, held) = hold(&f.writer).await;
    let queued: Vec<_> = (1..=5).map(|id| f.writer.write_grouped(insert(id, None))).collect();
    let before = f.writes.load(Ordering::Acquire);
    drop(release);
    held.await.expect("held");
    for write in queued {
        assert_eq!(write.await.expect("insert"), 1);
    }
    assert_eq!(f.writes.load(Ordering::Acquire) - before, 2, "the holding write, then one group");
    assert_eq!(stored_ids(&f.path), vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn a_failing_statement_fails_alone() {
    let f = fixture();
    f.writer.write_grouped(insert(1, None)).await.expect("first");
    let (release, held) = hold(&f.writer).await;
    let queued = [f.writer.write_grouped(insert(2, None)), f.writer.write_grouped(insert(1, None))];
    let last = f.writer.write_grouped(insert(3, None));
    drop(release);
    held.await.expect("held");
    let [second, duplicate] = queued;
    second.await.expect("second");
    assert!(matches!(duplicate.await, Err(StoreError::Backend(_))), "the primary key is taken");
    last.await.expect("third");
    assert_eq!(stored_ids(&f.path), vec![1, 2, 3]);
}

#[tokio::test]
async fn a_commit_that_fails_fails_the_whole_group() {
    let f = fixture();
    let (release, held) = hold(&f.writer).await;
    let queued = [f.writer.write_grouped(insert(1, None)), f.writer.write_grouped(insert(2, Some(99)))];
    drop(release);
    held.await.expect("held");
    for write in queued {
        assert!(write.await.is_err(), "the deferred foreign key fails the commit");
    }
    assert!(stored_ids(&f.path).is_empty());
    f.writer.write_grouped(insert(3, None)).await.expect("the writer goes on after a failed commit");
    assert_eq!(stored_ids(&f.path), vec![3]);
}

#[tokio::test]
async fn statements_after_a_rolled_back_transaction_do_not_commit_one_by_one() {
    let f = fixture();
    f.writer
        .write(|conn| {
            conn.execute_batch(
                "CREATE TRIGGER refuse AFTER INSERT ON rows WHEN NEW.id = 2
                 BEGIN SELECT RAISE(ROLLBACK, 'refused'); END;",
            )
            .map_err(db_err)
        })
        .await
        .expect("trigger");
    let (release, held) = hold(&f.writer).await;
    let queued = [1, 2, 3].map(|id| f.writer.write_grouped(insert(id, None)));
    drop(release);
    held.await.expect("held");
    for write in queued {
        assert!(write.await.is_err());
    }
    assert!(stored_ids(&f.path).is_empty(), "neither the statement before nor the one after stands");
}

#[tokio::test]
async fn an_alone_write_queued_after_a_group_sees_it() {
    let f = fixture();
    let (release, held) = hold(&f.writer).await;
    let grouped = [f.writer.write_grouped(insert(1, None)), f.writer.write_grouped(insert(2, None))];
    let count = f
        .writer
        .write(|conn| conn.query_row("SELECT count(*) FROM rows", [], |row| row.get::<_, i64>(0)).map_err(db_err));
    drop(release);
    held.await.expect("held");
    for write in grouped {
        write.await.expect("insert");
    }
    assert_eq!(count.await.expect("count"), 2);
}

#[tokio::test]
async fn dropping_the_writer_finishes_its_queue_first() {
    let f = fixture();
    let (release, held) = hold(&f.writer).await;
    let queued = f.writer.write_grouped(insert(7, None));
    drop(release);
    let Fixture { _dir, path, writer, .. } = f;
    drop(writer);
    held.await.expect("held");
    queued.await.expect("queued before the drop");
    assert_eq!(stored_ids(&path), vec![7]);
}

#[tokio::test]
async fn a_write_that_panics_fails_alone_and_the_writer_goes_on() {
    let f = fixture();
    let (release, held) = hold(&f.writer).await;
    let first = f.writer.write_grouped(insert(1, None));
    let panicked = f.writer.write_grouped(|_| -> StoreResult<usize> { panic!("a bug in one grouped write") });
    let second = f.writer.write_grouped(insert(2, None));
    let alone = f.writer.write(|_| -> StoreResult<()> { panic!("a bug in one write") });
    drop(release);
    held.await.expect("held");
    first.await.expect("first");
    assert!(panicked.await.is_err());
    second.await.expect("second");
    assert!(alone.await.is_err());
    f.writer.write_grouped(insert(3, None)).await.expect("a write after both panics");
    assert_eq!(stored_ids(&f.path), vec![1, 2, 3]);
}
