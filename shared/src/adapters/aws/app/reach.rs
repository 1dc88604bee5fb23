//! What a process reaches beyond the table and the schedules: the bucket, and the executor
//! function to invoke. template.yaml grants each Lambda function only what its routes use; the
//! function wires only that, so that an SDK client its role may not call adds nothing to its zip.
//!
//! Each part is chosen by naming a constructor: a binary links the S3 or Lambda client only when
//! one of its calls names [`Reach::bucket`], [`Reach::executor`] or [`Reach::everything`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::AwsConfig;
use crate::adapters::aws::s3::S3ObjectStore;
use crate::adapters::aws::scheduler::{ExecutorInvoker, InvokeExecutor};
use crate::adapters::aws::sdk::Clients;
use crate::domain::object_key::ObjectKey;
use crate::ports::{DeleteReport, ObjectError, ObjectInfo, ObjectPage, ObjectStore};

type Bucket = fn(&Clients<'_>, &AwsConfig) -> Arc<dyn ObjectStore>;
type Invoker = fn(&Clients<'_>, &AwsConfig) -> Option<Arc<dyn InvokeExecutor>>;

/// The parts [`super::AwsApp`] wires besides the table and the schedules.
#[derive(Clone, Copy)]
pub struct Reach {
    bucket: Bucket,
    invoker: Invoker,
}

impl Reach {
    /// The table and the schedules only: most API functions. A due run is handed over through a
    /// one-off schedule.
    pub fn table() -> Self {
        Self { bucket: no_bucket, invoker: no_invoker }
    }

    /// The bucket too: the functions that read or delete stored files.
    pub fn bucket() -> Self {
        Self { bucket: s3_bucket, invoker: no_invoker }
    }

    /// The executor too: the functions that start runs, which invoke it for a run due now.
    pub fn executor() -> Self {
        Self { bucket: no_bucket, invoker: lambda_invoker }
    }

    /// Both: the executor function, and `jobsmith serve` on AWS backends.
    pub fn everything() -> Self {
        Self { bucket: s3_bucket, invoker: lambda_invoker }
    }

    pub(super) fn objects(&self, clients: &Clients<'_>, config: &AwsConfig) -> Arc<dyn ObjectStore> {
        (self.bucket)(clients, config)
    }

    pub(super) fn invoker(&self, clients: &Clients<'_>, config: &AwsConfig) -> Option<Arc<dyn InvokeExecutor>> {
        (self.invoker)(clients, config)
    }
}

fn s3_bucket(clients: &Clients<'_>, config: &AwsConfig) -> Arc<dyn ObjectStore> {
    Arc::new(S3ObjectStore::new(clients.s3(config.s3_force_path_style), config.bucket.clone()))
}

fn no_bucket(_: &Clients<'_>, _: &AwsConfig) -> Arc<dyn ObjectStore> {
    Arc::new(Unreached)
}

fn lambda_invoker(clients: &Clients<'_>, config: &AwsConfig) -> Option<Arc<dyn InvokeExecutor>> {
    Some(Arc::new(ExecutorInvoker::new(clients.lambda(config.lambda_endpoint.as_deref()))))
}

fn no_invoker(_: &Clients<'_>, _: &AwsConfig) -> Option<Arc<dyn InvokeExecutor>> {
    None
}

/// The bucket of a process whose role may not touch it: every call fails as S3 itself would
/// answer that role, without a request.
struct Unreached;

impl Unreached {
    fn refuse<T>(&self) -> Result<T, ObjectError> {
        Err(ObjectError::Backend("this function's role does not reach the bucket".to_owned()))
    }
}

#[async_trait]
impl ObjectStore for Unreached {
    async fn put(&self, _: &ObjectKey, _: Vec<u8>, _: &str) -> Result<(), ObjectError> {
        self.refuse()
    }

    async fn put_file(&self, _: &ObjectKey, _: &Path, _: &str) -> Result<(), ObjectError> {
        self.refuse()
    }

    async fn get(&self, _: &ObjectKey) -> Result<Vec<u8>, ObjectError> {
        self.refuse()
    }

    async fn get_to_file(&self, _: &ObjectKey, _: &Path) -> Result<u64, ObjectError> {
        self.refuse()
    }

    async fn head(&self, _: &ObjectKey) -> Result<Option<ObjectInfo>, ObjectError> {
        self.refuse()
    }

    async fn list(&self, _: &str, _: Option<&str>, _: u32) -> Result<ObjectPage, ObjectError> {
        self.refuse()
    }

    async fn delete_many(&self, _: &[ObjectKey]) -> Result<DeleteReport, ObjectError> {
        self.refuse()
    }

    async fn presign_get(&self, _: &ObjectKey, _: Duration) -> Result<String, ObjectError> {
        self.refuse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreached_bucket_refuses_every_call_as_a_backend_failure() {
        let key = ObjectKey::parse("videos/a.mp4").expect("a key");
        let store = Unreached;
        let refused = |result: Result<(), ObjectError>| matches!(result, Err(ObjectError::Backend(_)));
        assert!(refused(store.put(&key, Vec::new(), "video/mp4").await));
        assert!(refused(store.put_file(&key, Path::new("/nonexistent"), "video/mp4").await));
        assert!(refused(store.get(&key).await.map(|_| ())));
        assert!(refused(store.get_to_file(&key, Path::new("/nonexistent")).await.map(|_| ())));
        assert!(refused(store.head(&key).await.map(|_| ())));
        assert!(refused(store.list("videos/", None, 10).await.map(|_| ())));
        assert!(refused(store.delete_many(std::slice::from_ref(&key)).await.map(|_| ())));
        assert!(refused(store.presign_get(&key, Duration::from_secs(60)).await.map(|_| ())));
        assert!(refused(store.open(&key).await.map(|_| ())));
    }
}
