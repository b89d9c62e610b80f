//! Listing every resource of a query: the first page tells how many there are and
//! how large a page is, the others are fetched a few at a time, and the result
//! keeps the server's order.
//!
//! The pages are planned from what arrives, not from what `totalResults` claims: a
//! total is only a reason to ask for one more page, never a size to reserve. A
//! listing stops, with [`CoreError::Implausible`] naming which, when
//! - a page is empty while its own total says there is more (the server lists
//!   fewer than it counts);
//! - a page holds only resources already seen (the server ignores `startIndex`);
//! - a page is short of a full page while its total says more follow;
//! - the total would take more than [`MAX_PAGES`] requests, or more than
//!   [`MAX_LISTED`] resources arrive.

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use reqwest::Method;
use roster_proto::ListResponse;
use serde::de::DeserializeOwned;

use super::ApiClient;
use super::listing::{ListWarning, PageKeys, Seen};
use super::transport::Call;
use crate::CoreError;

/// Most pages one listing asks for (100 million users at 1000 a page).
pub const MAX_PAGES: u64 = 100_000;
/// Most resources one listing keeps (far beyond an organisation the grid shows).
pub const MAX_LISTED: usize = 5_000_000;

/// Every resource of a listing, and what was wrong with it without stopping it.
#[derive(Debug)]
pub(crate) struct Listing<T> {
    /// The resources, in server order, each id once.
    pub items: Vec<T>,
    /// Repeated ids, shared userNames, oversized resources left out.
    pub warnings: Vec<ListWarning>,
}

/// One page, typed and with its checkable parts.
struct Page<T> {
    total: u64,
    resources: Vec<T>,
    keys: PageKeys,
}

impl ApiClient {
    /// Every resource of `endpoint` matching `query` (e.g. `filter`, `attributes`),
    /// in server order, each id once. `progress(loaded, total)` is called after each
    /// page. The warnings of [`list_checked`](Self::list_checked) are logged.
    pub(crate) async fn list_all<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Vec<T>, CoreError> {
        Ok(self.list_checked(endpoint, query, progress).await?.items)
    }

    /// Every resource of `endpoint` matching `query`, with the warnings (each also
    /// logged once with `tracing::warn!`).
    ///
    /// Offset paging is not a snapshot: a resource created or deleted during the load
    /// can shift the pages, so a resource may be seen twice (it is kept once, and
    /// said) or missed (the delta sync that follows a full load picks it up). Pages
    /// added while loading are fetched too.
    pub(crate) async fn list_checked<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Listing<T>, CoreError> {
        let asked = self.page_size();
        let first: Page<T> = self.page(endpoint, query, 1, asked).await?;
        let mut total = first.total;
        let mut seen = Seen::new(endpoint);
        // What the first page held is the real page size: a server may return
        // fewer than asked (a lower maximum than advertised).
        let step = first.resources.len();
        if step == 0 {
            if total > 0 {
                return Err(empty_page(endpoint, 1, total, 0));
            }
            return Ok(Listing {
                items: Vec::new(),
                warnings: Vec::new(),
            });
        }
        let first = seen.admit(first.resources, first.keys);
        let mut loaded = first.kept.len();
        progress(loaded, shown_total(total, loaded));
        check_plan(endpoint, total, step)?;
        let mut pages: Vec<(u64, Vec<T>)> = Vec::new();
        pages.push((1, first.kept));

        let step64 = step as u64;
        let in_flight = self.inner.options.pages_in_flight.max(1);
        let mut next_start: u64 = 1 + step64;
        let mut fetches = FuturesUnordered::new();
        loop {
            while fetches.len() < in_flight && next_start <= total {
                let start = next_start;
                fetches.push(
                    async move { (start, self.page::<T>(endpoint, query, start, step).await) },
                );
                next_start += step64;
            }
            let Some((start, result)) = fetches.next().await else {
                break;
            };
            let page = result?;
            let arrived = page.resources.len() as u64;
            if arrived == 0 {
                if start <= page.total {
                    return Err(empty_page(endpoint, start, page.total, seen.distinct()));
                }
                // The collection shrank while loading: this is its end.
                total = total.min(page.total);
                continue;
            }
            if arrived < step64 && start + arrived - 1 < page.total {
                return Err(short_page(endpoint, start, arrived, step, page.total));
            }
            let admitted = seen.admit(page.resources, page.keys);
            if admitted.kept.is_empty() && admitted.repeats > 0 {
                return Err(nothing_new(endpoint, start, admitted.repeats));
            }
            // A collection that grew while loading: its pages are fetched too.
            total = total.max(page.total);
            check_plan(endpoint, total, step)?;
            loaded += admitted.kept.len();
            if loaded > MAX_LISTED {
                return Err(CoreError::Implausible {
                    detail: format!(
                        "the server listed more than {MAX_LISTED} {} and was still going",
                        endpoint.to_lowercase()
                    ),
                });
            }
            progress(loaded, shown_total(total, loaded));
            pages.push((start, admitted.kept));
        }
        drop(fetches);
        pages.sort_by_key(|(start, _)| *start);
        let items = pages.into_iter().flat_map(|(_, items)| items).collect();
        let warnings = seen.warnings();
        for w in &warnings {
            tracing::warn!(endpoint, "{w}");
        }
        Ok(Listing { items, warnings })
    }

    /// How many resources `endpoint` holds (a page of none: only `totalResults`).
    pub(crate) async fn count(&self, endpoint: &str) -> Result<u64, CoreError> {
        let url = self.url(&[endpoint], &[("startIndex", "1"), ("count", "0")]);
        let list: ListResponse<serde_json::Value> = self.get_json(url).await?;
        Ok(list.total_results)
    }

    /// One page: `count` resources from the 1-based `start`.
    async fn page<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        start: u64,
        count: usize,
    ) -> Result<Page<T>, CoreError> {
        let (start, count) = (start.to_string(), count.to_string());
        let mut pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.push(("startIndex", &start));
        pairs.push(("count", &count));
        let call = Call::new(Method::GET, self.url(&[endpoint], &pairs));
        let reply = self.send_ok(&call).await?;
        let list: ListResponse<T> = reply.json()?;
        // A page the checks cannot read is kept unchecked (see `Seen::admit`).
        let keys: PageKeys = reply.json().unwrap_or_default();
        Ok(Page {
            total: list.total_results,
            resources: list.resources,
            keys,
        })
    }
}

/// The total shown with progress: what the server says, but never less than what
/// arrived nor more than a listing may hold.
fn shown_total(total: u64, loaded: usize) -> usize {
    usize::try_from(total)
        .unwrap_or(usize::MAX)
        .min(MAX_LISTED)
        .max(loaded)
}

/// Fails when `total` resources at `step` a page would take too many requests.
fn check_plan(endpoint: &str, total: u64, step: usize) -> Result<(), CoreError> {
    let pages = total.div_ceil(step as u64);
    if pages > MAX_PAGES {
        return Err(CoreError::Implausible {
            detail: format!(
                "the server counts {total} {} but sends {step} a page: that would take \
                 {pages} requests (Roster stops at {MAX_PAGES})",
                endpoint.to_lowercase()
            ),
        });
    }
    Ok(())
}

fn empty_page(endpoint: &str, start: u64, total: u64, loaded: usize) -> CoreError {
    CoreError::Implausible {
        detail: format!(
            "the server counts {total} {what} but its page from {start} is empty \
             ({loaded} {what} listed so far)",
            what = endpoint.to_lowercase()
        ),
    }
}

fn short_page(endpoint: &str, start: u64, arrived: u64, step: usize, total: u64) -> CoreError {
    CoreError::Implausible {
        detail: format!(
            "the server counts {total} {what} but its page from {start} holds {arrived} \
             instead of {step}, before the end",
            what = endpoint.to_lowercase()
        ),
    }
}

fn nothing_new(endpoint: &str, start: u64, repeats: usize) -> CoreError {
    CoreError::Implausible {
        detail: format!(
            "the server's page from {start} brings nothing new (all {repeats} {} were on \
             earlier pages): it may ignore startIndex",
            endpoint.to_lowercase()
        ),
    }
}
