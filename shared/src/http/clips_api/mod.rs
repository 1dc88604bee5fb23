//! `/api/clips…` of seed 000, the clip-cutting service: every stored clip, deleting one or all,
//! and a clip job started now. Errors are seed 000's `{"error": …, "success": false}`.

pub(super) mod clips;
pub(super) mod create;
#[cfg(test)]
mod tests;
mod views;
