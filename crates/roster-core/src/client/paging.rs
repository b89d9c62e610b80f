//! Listing every resource of a query: the first page tells how many there are and
//! how large a page is, the others are fetched a few at a time, and the result
//! keeps the server's order.
//!
//! A listing that knows its size beforehand ([`Expected`]) asks for the next few
//! pages beside the first instead of after it; they are kept only if the first
//! page shows the server sends pages as large as asked (else their offsets were
//! wrong, and they are dropped unread).
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

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Method;
use roster_proto::ListResponse;
use tokio::task::JoinSet;

use super::ApiClient;
use super::listing::{ListWarning, Listed, PageKeys, Seen};
use super::transport::Call;
use crate::CoreError;

/// Most pages one listing asks for (100 million users at 1000 a page).
pub const MAX_PAGES: u64 = 100_000;
/// Most resources one listing keeps (far beyond an organisation the grid shows).
pub const MAX_LISTED: usize = 5_000_000;

/// What a listing knows of its size before its first page arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Nothing: the first page alone, then the others (small or rare listings).
    Unknown,
    /// About this many (e.g. the local copy's size): a guess, checked by the first
    /// page.
    About(u64),
    /// Ask the server (`count=0`, sent beside the first page; its answer is used
    /// only if it comes before the first page, and a refusal is ignored).
    Ask,
}

/// One page, typed and with its checkable parts.
struct Page<T> {
    total: u64,
    resources: Vec<T>,
    /// The page's JSON read for the checks, when `T` does not carry them itself.
    keys: Option<PageKeys>,
}

impl ApiClient {
    /// Every resource of `endpoint` matching `query` (e.g. `filter`, `attributes`),
    /// in server order, each id once. `progress(loaded, total)` is called after each
    /// page. The warnings of [`list_each`](Self::list_each) are logged.
    pub(crate) async fn list_all<T: Listed>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Vec<T>, CoreError> {
        let mut items = Vec::new();
        self.list_each(endpoint, query, progress, |page: Vec<T>| {
            items.extend(page);
            Ok(())
        })
        .await?;
        Ok(items)
    }

    /// Every resource of `endpoint` matching `query`, handed to `each` one page at a
    /// time, in server order, each id once, as soon as the pages before it are in:
    /// a caller that turns each page into its own form holds one page of the
    /// server's JSON at a time, not the whole listing. Returns the warnings (each
    /// also logged once with `tracing::warn!`); an error from `each` stops the
    /// listing.
    ///
    /// At most `ClientOptions::pages_in_flight` pages are requested at once, each
    /// fetched and decoded in its own task (so decoding uses the runtime's threads),
    /// and at most twice that many are requested or waiting for an earlier one.
    ///
    /// Offset paging is not a snapshot: a resource created or deleted during the load
    /// can shift the pages, so a resource may be seen twice (it is kept once, and
    /// said) or missed (the delta sync that follows a full load picks it up). Pages
    /// added while loading are fetched too.
    pub(crate) async fn list_each<T: Listed>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
        each: impl FnMut(Vec<T>) -> Result<(), CoreError>,
    ) -> Result<Vec<ListWarning>, CoreError> {
        self.list_each_expecting(endpoint, query, Expected::Unknown, progress, each)
            .await
    }

    /// [`list_each`](Self::list_each), with what is known of the listing's size.
    pub(crate) async fn list_each_expecting<T: Listed>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        expected: Expected,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
        mut each: impl FnMut(Vec<T>) -> Result<(), CoreError>,
    ) -> Result<Vec<ListWarning>, CoreError> {
        let query: Arc<[(String, String)]> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let asked = self.page_size();
        let in_flight = self.inner.options.pages_in_flight.max(1);
        let endpoint_owned: Arc<str> = Arc::from(endpoint);
        // Dropping the set (an error, or the caller giving up) aborts the fetches.
        let mut fetches: JoinSet<(u64, Result<Page<T>, CoreError>)> = JoinSet::new();
        let spawn_page =
            |fetches: &mut JoinSet<(u64, Result<Page<T>, CoreError>)>, start: u64, count: usize| {
                let (client, endpoint, query) = (
                    self.clone(),
                    Arc::clone(&endpoint_owned),
                    Arc::clone(&query),
                );
                fetches.spawn(async move {
                    (
                        start,
                        client.page::<T>(&endpoint, &query, start, count).await,
                    )
                });
            };
        let first = self.page::<T>(endpoint, &query, 1, asked);
        tokio::pin!(first);
        let size = async {
            match expected {
                Expected::Unknown => None,
                Expected::About(n) => Some(n),
                Expected::Ask => self
                    .page::<T>(endpoint, &query, 1, 0)
                    .await
                    .ok()
                    .map(|p| p.total),
            }
        };
        // Pages asked for beside the first, at `asked` resources a page.
        let mut early: u64 = 0;
        let mut arrived_first = None;
        tokio::select! {
            biased;
            page = &mut first => arrived_first = Some(page),
            Some(size) = size => {
                let pages = size.div_ceil(asked as u64).min(in_flight as u64);
                for k in 1..pages {
                    spawn_page(&mut fetches, 1 + k * asked as u64, asked);
                }
                early = pages.saturating_sub(1);
            }
        }
        let first: Page<T> = match arrived_first {
            Some(page) => page?,
            None => first.await?,
        };
        let mut total = first.total;
        let mut seen = Seen::new(endpoint);
        // What the first page held is the real page size: a server may return
        // fewer than asked (a lower maximum than advertised).
        let step = first.resources.len();
        if early > 0 && step != asked {
            // Their offsets assumed pages as large as asked.
            tracing::debug!(endpoint, step, asked, "pages asked early are dropped");
            fetches = JoinSet::new();
            early = 0;
        }
        if step == 0 {
            if total > 0 {
                return Err(empty_page(endpoint, 1, total, 0));
            }
            return Ok(Vec::new());
        }
        let admitted = seen.admit(first.resources, first.keys.as_ref());
        let mut loaded = admitted.kept.len();
        progress(loaded, shown_total(total, loaded));
        check_plan(endpoint, total, step)?;
        each(admitted.kept)?;

        let step64 = step as u64;
        // The next page to hand over, and those that arrived before it (`None`: a
        // page found empty because the collection shrank).
        let mut next_due: u64 = 1 + step64;
        let mut next_start: u64 = next_due + early * step64;
        let mut waiting: BTreeMap<u64, Option<Page<T>>> = BTreeMap::new();
        loop {
            while fetches.len() < in_flight
                && fetches.len() + waiting.len() < 2 * in_flight
                && next_start <= total
            {
                spawn_page(&mut fetches, next_start, step);
                next_start += step64;
            }
            let Some(joined) = fetches.join_next().await else {
                break;
            };
            let (start, result) = joined.map_err(|e| CoreError::Protocol {
                detail: format!("a page of the listing could not be read ({e})"),
            })?;
            let page = result?;
            let arrived = page.resources.len() as u64;
            if arrived == 0 {
                if start <= page.total {
                    return Err(empty_page(endpoint, start, page.total, seen.distinct()));
                }
                // The collection shrank while loading: this is its end.
                total = total.min(page.total);
                waiting.insert(start, None);
            } else {
                if arrived < step64 && start + arrived - 1 < page.total {
                    return Err(short_page(endpoint, start, arrived, step, page.total));
                }
                // A collection that grew while loading: its pages are fetched too.
                total = total.max(page.total);
                check_plan(endpoint, total, step)?;
                waiting.insert(start, Some(page));
            }
            while let Some(entry) = waiting.first_entry()
                && *entry.key() == next_due
            {
                next_due += step64;
                let Some(page) = entry.remove() else {
                    continue;
                };
                let admitted = seen.admit(page.resources, page.keys.as_ref());
                if admitted.kept.is_empty() && admitted.repeats > 0 {
                    return Err(nothing_new(endpoint, next_due - step64, admitted.repeats));
                }
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
                each(admitted.kept)?;
            }
        }
        let warnings = seen.warnings();
        for w in &warnings {
            tracing::warn!(endpoint, "{w}");
        }
        Ok(warnings)
    }

    /// How many resources `endpoint` holds (a page of none: only `totalResults`).
    pub(crate) async fn count(&self, endpoint: &str) -> Result<u64, CoreError> {
        let url = self.url(&[endpoint], &[("startIndex", "1"), ("count", "0")]);
        let list: ListResponse<serde_json::Value> = self.get_json(url).await?;
        Ok(list.total_results)
    }

    /// One page: `count` resources from the 1-based `start`.
    async fn page<T: Listed>(
        &self,
        endpoint: &str,
        query: &[(String, String)],
        start: u64,
        count: usize,
    ) -> Result<Page<T>, CoreError> {
        let (start, count) = (start.to_string(), count.to_string());
        let mut pairs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.push(("startIndex", &start));
        pairs.push(("count", &count));
        let call = Call::new(Method::GET, self.url(&[endpoint], &pairs));
        let reply = self.send_ok(&call).await?;
        let list: ListResponse<T> = reply.json()?;
        // Only for resources that do not carry their keys: a second parse. A page
        // the checks cannot read is kept unchecked (see `Seen::admit`).
        let keys = list
            .resources
            .first()
            .is_some_and(|r| r.keys().is_none())
            .then(|| reply.json().unwrap_or_default());
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
