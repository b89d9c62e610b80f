//! Listing every resource of a query: the first page tells how many there are, the
//! others are fetched a few at a time, and the result keeps the server's order.

use futures_util::{StreamExt, stream};
use roster_proto::ListResponse;
use serde::de::DeserializeOwned;

use super::ApiClient;
use crate::CoreError;

impl ApiClient {
    /// Every resource of `endpoint` matching `query` (e.g. `filter`, `attributes`),
    /// in server order. `progress(loaded, total)` is called after each page.
    ///
    /// Offset paging is not a snapshot: a resource created or deleted during the load
    /// can shift the pages, so a resource may be seen twice (callers drop duplicates
    /// by id) or missed (the delta sync that follows a full load picks it up). Pages
    /// added while loading are fetched too.
    pub(crate) async fn list_all<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Vec<T>, CoreError> {
        let page = self.page_size();
        let first: ListResponse<T> = self.page(endpoint, query, 1, page).await?;
        let mut total = usize::try_from(first.total_results).unwrap_or(usize::MAX);
        let mut loaded = first.resources.len();
        progress(loaded, total.max(loaded));
        if loaded == 0 || loaded >= total {
            return Ok(first.resources);
        }
        // A server may return fewer than asked (a lower maximum than advertised):
        // what the first page held is the real page size.
        let step = loaded.min(page);
        let starts: Vec<usize> = (1 + step..=total).step_by(step).collect();
        let mut next_start = 1 + step * (starts.len() + 1);
        let mut pages: Vec<(usize, Vec<T>)> = Vec::with_capacity(starts.len() + 1);
        pages.push((1, first.resources));
        let in_flight = self.inner.options.pages_in_flight.max(1);
        let mut fetches = stream::iter(starts)
            .map(|start| async move { (start, self.page::<T>(endpoint, query, start, step).await) })
            .buffer_unordered(in_flight);
        while let Some((start, result)) = fetches.next().await {
            let list = result?;
            total = total.max(usize::try_from(list.total_results).unwrap_or(usize::MAX));
            loaded += list.resources.len();
            progress(loaded, total.max(loaded));
            pages.push((start, list.resources));
        }
        drop(fetches);
        // The collection grew while loading: fetch the pages past the first total.
        while next_start <= total {
            let list: ListResponse<T> = self.page(endpoint, query, next_start, step).await?;
            if list.resources.is_empty() {
                break;
            }
            loaded += list.resources.len();
            progress(loaded, total.max(loaded));
            pages.push((next_start, list.resources));
            next_start += step;
        }
        pages.sort_by_key(|(start, _)| *start);
        Ok(pages.into_iter().flat_map(|(_, items)| items).collect())
    }

    /// How many resources `endpoint` holds (a page of none: only `totalResults`).
    pub(crate) async fn count(&self, endpoint: &str) -> Result<u64, CoreError> {
        let list: ListResponse<serde_json::Value> = self.page(endpoint, &[], 1, 0).await?;
        Ok(list.total_results)
    }

    /// One page: `count` resources from the 1-based `start`.
    async fn page<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        start: usize,
        count: usize,
    ) -> Result<ListResponse<T>, CoreError> {
        let (start, count) = (start.to_string(), count.to_string());
        let mut pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.push(("startIndex", &start));
        pairs.push(("count", &count));
        self.get_json(self.url(&[endpoint], &pairs)).await
    }
}
