//! A chain of pages read one after another from one end of a list: the
//! first page, then each following one `after` the cursor (`next`) of the
//! page before it. Keyset paging costs the same deep in a list as at its
//! top, so a table reads its head forward from the first row and its tail
//! backward from the last (the reverse sort's first pages), never a page
//! by number.

use std::collections::HashSet;

use super::PAGE_SIZE;

/// Which end of the list a chain starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    /// Forward from the first row, in the table's sort.
    Head,
    /// Backward from the last row: the reverse sort, read forward.
    Tail,
}

/// One page of a chain.
struct ChainPage<R> {
    /// The cursor it was read after (`None` for the first page).
    after: Option<String>,
    rows: Vec<R>,
    /// The cursor of the page after it; `None`: the list ends here.
    next: Option<String>,
    /// Read since the last refresh (else shown until read again).
    fresh: bool,
}

/// What a chain asks for next: its page `page`, read after `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub page: usize,
    pub after: Option<String>,
}

pub struct Chain<R> {
    pages: Vec<ChainPage<R>>,
    /// Pages asked for and not answered yet.
    asked: HashSet<usize>,
}

impl<R> Default for Chain<R> {
    fn default() -> Self {
        Self {
            pages: Vec::new(),
            asked: HashSet::new(),
        }
    }
}

impl<R: Clone> Chain<R> {
    /// Rows held (every page but the last is full).
    pub fn rows(&self) -> usize {
        self.pages.iter().map(|p| p.rows.len()).sum()
    }

    /// The last page held says the list ends there.
    pub fn complete(&self) -> bool {
        self.pages.last().is_some_and(|p| p.next.is_none())
    }

    /// The `k`-th row from this chain's end.
    pub fn get(&self, k: usize) -> Option<&R> {
        self.pages
            .get(k / PAGE_SIZE)
            .and_then(|p| p.rows.get(k % PAGE_SIZE))
    }

    /// Whether the page holding the `k`-th row was read since the last refresh.
    pub fn fresh_at(&self, k: usize) -> bool {
        self.pages.get(k / PAGE_SIZE).is_some_and(|p| p.fresh)
    }

    pub fn iter(&self) -> impl Iterator<Item = &R> {
        self.pages.iter().flat_map(|p| p.rows.iter())
    }

    /// The page to read for the `k`-th row (a held page read again after a
    /// refresh, or the page after the last), unless it is already asked
    /// for or there is nothing to read.
    pub fn want(&mut self, k: usize) -> Option<Wanted> {
        let page = (k / PAGE_SIZE).min(self.pages.len());
        let wanted = match self.pages.get(page) {
            Some(held) if held.fresh => return None,
            Some(held) => Wanted {
                page,
                after: held.after.clone(),
            },
            None => Wanted {
                page,
                after: self.extension()?,
            },
        };
        self.asked.insert(page).then_some(wanted)
    }

    /// The cursor to read the page after the last one held: `Some(None)`
    /// for the first page, `None` when the list ends.
    fn extension(&self) -> Option<Option<String>> {
        match self.pages.last() {
            None => Some(None),
            Some(last) => last.next.clone().map(Some),
        }
    }

    /// The first page a search for a record reads next: one held from
    /// before the last refresh, else the one after the last.
    pub fn want_unread(&mut self) -> Option<Wanted> {
        let page = self
            .pages
            .iter()
            .position(|p| !p.fresh)
            .unwrap_or(self.pages.len());
        self.want(page * PAGE_SIZE)
    }

    /// Takes a page's answer; `false` when it no longer fits the chain (it
    /// was asked after a cursor the chain has since dropped).
    pub fn store(
        &mut self,
        page: usize,
        after: Option<String>,
        rows: Vec<R>,
        next: Option<String>,
    ) -> bool {
        self.asked.remove(&page);
        let expected = match self.pages.get(page) {
            Some(held) => Some(held.after.clone()),
            None if page == self.pages.len() => self.extension(),
            None => None,
        };
        if expected != Some(after.clone()) {
            return false;
        }
        let entry = ChainPage {
            after,
            rows,
            next: next.clone(),
            fresh: true,
        };
        if page == self.pages.len() {
            self.pages.push(entry);
            return true;
        }
        let moved = self.pages[page].next != next;
        self.pages[page] = entry;
        if moved {
            // Rows came or went within this page: the page after it starts
            // elsewhere now, and those after that are read from there anew.
            self.pages.truncate(page + 2);
            match (next, self.pages.get_mut(page + 1)) {
                (Some(next), Some(following)) => {
                    following.after = Some(next);
                    following.fresh = false;
                }
                (None, _) => self.pages.truncate(page + 1),
                (Some(_), None) => {}
            }
        }
        true
    }

    /// Every page is read again as it comes on screen; until then it is shown.
    pub fn refresh(&mut self) {
        for page in &mut self.pages {
            page.fresh = false;
        }
        self.asked.clear();
    }

    /// Answers in flight will be dropped: none is awaited any more.
    pub fn forget_all_asked(&mut self) {
        self.asked.clear();
    }

    pub fn clear(&mut self) {
        self.pages.clear();
        self.asked.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(first: usize, count: usize) -> Vec<usize> {
        (first..first + count).collect()
    }

    #[test]
    fn a_chain_reads_each_page_after_the_cursor_of_the_one_before() {
        let mut chain = Chain::<usize>::default();
        assert_eq!(
            chain.want(0),
            Some(Wanted {
                page: 0,
                after: None
            })
        );
        assert_eq!(chain.want(5), None, "asked already");
        assert!(chain.store(0, None, page(0, 100), Some("c100".into())));
        assert_eq!(chain.want(50), None, "held");
        assert_eq!(
            chain.want(250),
            Some(Wanted {
                page: 1,
                after: Some("c100".into())
            }),
            "a far row: the next page on the way to it"
        );
        assert!(
            !chain.store(1, Some("elsewhere".into()), page(100, 100), None),
            "an answer after another cursor does not fit"
        );
        chain.want(100);
        assert!(chain.store(1, Some("c100".into()), page(100, 20), None));
        assert!(chain.complete());
        assert_eq!(chain.rows(), 120);
        assert_eq!(chain.get(119), Some(&119));
        assert_eq!(chain.want(150), None, "the list ends there");
    }

    #[test]
    fn a_refreshed_page_that_moved_re_anchors_the_one_after_it() {
        let mut chain = Chain::<usize>::default();
        chain.want(0);
        chain.store(0, None, page(0, 100), Some("c100".into()));
        chain.want(100);
        chain.store(1, Some("c100".into()), page(100, 100), Some("c200".into()));
        chain.want(200);
        chain.store(2, Some("c200".into()), page(200, 100), Some("c300".into()));
        chain.refresh();
        assert_eq!(chain.get(150), Some(&150), "shown until read again");
        assert_eq!(
            chain.want(150),
            Some(Wanted {
                page: 1,
                after: Some("c100".into())
            })
        );
        // A row was inserted on page 0: it now ends one row earlier.
        chain.want(0);
        let mut moved = vec![1000];
        moved.extend(page(0, 99));
        assert!(chain.store(0, None, moved, Some("c99".into())));
        assert_eq!(chain.rows(), 200, "the pages after the next are dropped");
        assert!(
            !chain.store(1, Some("c100".into()), page(100, 100), Some("c200".into())),
            "the answer after the old cursor no longer fits"
        );
        assert_eq!(
            chain.want(150),
            Some(Wanted {
                page: 1,
                after: Some("c99".into())
            })
        );
    }
}
