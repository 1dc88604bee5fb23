//! The `redrive` function, invoked by hand: sends the dead-letter queue's executor events to the
//! executor again.

#[tokio::main]
async fn main() -> Result<(), jobsmith_functions::Error> {
    jobsmith_functions::serve_redrive().await
}
