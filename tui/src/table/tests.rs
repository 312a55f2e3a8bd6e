use super::*;
use casting_shared::Actor;

fn actor(id: i64) -> Actor {
    Actor {
        id,
        name: format!("A{id}"),
        age: 30,
        gender: "Other".into(),
    }
}

/// The server's answer over actors with these ids (sorted by id, or `-id`),
/// cursors being the id of the row before; past `counted` matches the
/// count stops, as the server's does for a broad filter.
fn serve(ids: &[i64], request: &PageRequest, counted: Option<usize>) -> ListPage<Vec<Actor>> {
    let mut rows: Vec<i64> = ids.to_vec();
    match request.params.sort.as_str() {
        "id" => rows.sort(),
        "-id" => rows.sort_by(|a, b| b.cmp(a)),
        other => panic!("sort {other}"),
    }
    let start = match &request.params.after {
        Some(cursor) => {
            let after: i64 = cursor.parse().unwrap();
            rows.iter().position(|id| *id == after).unwrap() + 1
        }
        None => 0,
    };
    let page: Vec<i64> = rows.iter().skip(start).take(PAGE_SIZE).copied().collect();
    let next = (start + page.len() < rows.len()).then(|| page[page.len() - 1].to_string());
    let (total, total_exact) = match counted {
        Some(cap) if rows.len() > cap => (cap + 1, false),
        _ => (rows.len(), true),
    };
    ListPage {
        rows: page.into_iter().map(actor).collect(),
        total,
        total_exact,
        next,
    }
}

/// Answers every request the table wants until it wants none; every request made.
fn settle(table: &mut Table<Actor>, ids: &[i64], viewport: usize) -> Vec<PageRequest> {
    settle_counted(table, ids, viewport, None)
}

fn settle_counted(
    table: &mut Table<Actor>,
    ids: &[i64],
    viewport: usize,
    counted: Option<usize>,
) -> Vec<PageRequest> {
    let mut asked = Vec::new();
    loop {
        let wanted = table.wanted_pages(viewport);
        if wanted.is_empty() {
            return asked;
        }
        for request in wanted {
            table.apply_page(&request, serve(ids, &request, counted));
            table.keep_visible(viewport);
            asked.push(request);
        }
    }
}

fn ids(n: i64) -> Vec<i64> {
    (1..=n).collect()
}

fn shown(requests: &[PageRequest]) -> Vec<(End, usize, Option<&str>, &str)> {
    requests
        .iter()
        .map(|r| {
            (
                r.end,
                r.page,
                r.params.after.as_deref(),
                r.params.sort.as_str(),
            )
        })
        .collect()
}

#[test]
fn pages_are_read_after_the_cursor_of_the_one_before_and_the_end_from_the_end() {
    let all = ids(100_000);
    let mut table = Table::<Actor>::default();
    let first = settle(&mut table, &all, 20);
    assert_eq!(shown(&first), vec![(End::Head, 0, None, "id")]);
    assert!(first.iter().all(|r| r.params.page == 1));
    table.select(90, 20);
    let next = settle(&mut table, &all, 20);
    assert_eq!(
        shown(&next),
        vec![(End::Head, 1, Some("100"), "id")],
        "the next page is read a screen ahead, after the last row held"
    );
    table.select(99_999, 20);
    let end = settle(&mut table, &all, 20);
    assert_eq!(
        shown(&end),
        vec![(End::Tail, 0, None, "-id")],
        "the end is the reverse order's first page"
    );
    assert_eq!(table.selected_row().map(|a| a.id), Some(100_000));
    assert_eq!(table.row(99_900).map(|a| a.id), Some(99_901));
    table.move_by(-150, 20);
    let up = settle(&mut table, &all, 20);
    assert_eq!(
        shown(&up),
        vec![(End::Tail, 1, Some("99901"), "-id")],
        "up from the end: the reverse order's next page"
    );
    assert_eq!(table.selected_row().map(|a| a.id), Some(99_850));
    assert!(table.loaded_rows() <= 400);
}

#[test]
fn answers_to_an_older_query_are_dropped_and_a_new_sort_starts_at_the_top() {
    let all = ids(250);
    let mut table = Table::<Actor>::default();
    settle(&mut table, &all, 20);
    table.select(150, 20);
    settle(&mut table, &all, 20);
    let old = table.wanted_pages(20);
    assert!(old.is_empty());
    let before = PageRequest {
        generation: table.generation,
        end: End::Head,
        page: 0,
        params: table.params(),
    };
    table.invalidate();
    table.apply_page(&before, serve(&[7], &before, None));
    assert_eq!(
        table.total,
        Some(250),
        "an answer to an old query is dropped"
    );
    let again = settle(&mut table, &all, 20);
    assert_eq!(shown(&again), vec![(End::Head, 0, None, "id")]);
    assert_eq!(
        (table.selected, table.offset),
        (0, 0),
        "a record not on the first page of a new order: from the top"
    );
}

#[test]
fn the_end_asked_before_a_new_orders_first_page_is_where_the_selection_lands() {
    let all = ids(250);
    let mut table = Table::<Actor>::default();
    settle(&mut table, &all, 20);
    table.invalidate();
    // `G` right after `s`, before the new order's first page is in.
    table.select_last(20);
    let asked = settle(&mut table, &all, 20);
    assert_eq!(table.selected, 249, "{:?}", shown(&asked));
    assert_eq!(table.offset, 230);
    assert_eq!(table.selected_row().map(|a| a.id), Some(250));
    // Moving anywhere else before the answer cancels it.
    table.invalidate();
    table.select_last(20);
    table.select(3, 20);
    settle(&mut table, &all, 20);
    assert_eq!(table.selected, 3, "the record moved to is followed");
}

#[test]
fn a_followed_record_is_looked_for_at_the_end_first_then_from_the_top() {
    let all = ids(250);
    let mut table = Table::<Actor>::default();
    settle(&mut table, &all, 20);
    table.refresh();
    table.follow(233);
    let asked = settle(&mut table, &all, 20);
    assert_eq!(
        shown(&asked),
        vec![(End::Head, 0, None, "id"), (End::Tail, 0, None, "-id")],
        "the page on screen, then where a new record sorts by id"
    );
    assert_eq!(table.selected_row().map(|a| a.id), Some(233));
    assert_eq!(table.selected, 232);

    table.reverse(20);
    table.refresh();
    table.follow(150);
    let asked = settle(&mut table, &all, 20);
    assert_eq!(table.selected_row().map(|a| a.id), Some(150));
    assert!(
        asked
            .iter()
            .all(|r| r.page == 0 || r.params.after.is_some()),
        "no page asked by number"
    );
}

#[test]
fn a_refresh_reads_the_pages_on_screen_again_and_the_selection_holds() {
    let mut all = ids(300);
    let mut table = Table::<Actor>::default();
    settle(&mut table, &all, 20);
    for _ in 0..8 {
        table.move_by(20, 20);
        settle(&mut table, &all, 20);
    }
    let (selected, offset) = (table.selected, table.offset);
    let id = table.selected_row().unwrap().id;
    assert_eq!(id, 161);
    // A colleague deletes two rows above the screen and adds one at the end.
    all.retain(|id| *id != 5 && *id != 120);
    all.push(301);
    table.refresh();
    let asked = settle(&mut table, &all, 20);
    assert!(
        asked.iter().all(|r| r.end == End::Head && r.page >= 1),
        "only the pages on screen and near it: {:?}",
        shown(&asked)
    );
    assert_eq!(table.selected_row().map(|a| a.id), Some(id));
    assert_eq!(
        table.selected - table.offset,
        selected - offset,
        "the row keeps its place on screen"
    );
    assert_eq!(table.total, Some(299));
    // From the top down, every row comes once, in order.
    table.select(0, 20);
    settle(&mut table, &all, 20);
    let mut seen = Vec::new();
    for index in 0..250 {
        table.select(index, 20);
        settle(&mut table, &all, 20);
        seen.push(table.selected_row().unwrap().id);
    }
    assert_eq!(seen, all[..250]);
}

#[test]
fn a_count_that_stopped_shows_the_end_counted_from_the_end() {
    let all = ids(30_000);
    let mut table = Table::<Actor>::default();
    settle_counted(&mut table, &all, 20, Some(10_000));
    assert_eq!((table.total, table.total_exact), (Some(10_001), false));
    assert_eq!(table.row_number(), RowNumber::FromTop(1));
    table.select(table.len() - 1, 20);
    let end = settle_counted(&mut table, &all, 20, Some(10_000));
    assert_eq!(shown(&end), vec![(End::Tail, 0, None, "-id")]);
    assert_eq!(table.selected_row().map(|a| a.id), Some(30_000));
    assert_eq!(table.row_number(), RowNumber::FromEnd(1));
    table.move_by(-5, 20);
    assert_eq!(table.row_number(), RowNumber::FromEnd(6));
    assert_eq!(table.selected_row().map(|a| a.id), Some(29_995));
    // Up the tail past where the lower bound would end: the rows keep
    // their places counted from the end.
    for _ in 0..120 {
        table.move_by(-100, 20);
        settle_counted(&mut table, &all, 20, Some(10_000));
    }
    assert_eq!(table.selected_row().map(|a| a.id), Some(17_995));
    assert_eq!(table.row_number(), RowNumber::FromEnd(12_006));
    assert!(table.len() > 12_100);
    table.select(0, 20);
    settle_counted(&mut table, &all, 20, Some(10_000));
    assert_eq!(table.selected_row().map(|a| a.id), Some(1));
}

#[test]
fn reversing_the_order_swaps_the_ends_and_reads_nothing() {
    let all = ids(1_000);
    let mut table = Table::<Actor>::default();
    settle(&mut table, &all, 20);
    table.select(10, 20);
    settle(&mut table, &all, 20);
    table.reverse(20);
    assert_eq!(table.params().sort, "-id");
    assert_eq!(table.selected_row().map(|a| a.id), Some(11));
    assert_eq!(table.selected, 989);
    assert!(table.offset <= 989 && 989 < table.offset + 20);
    let asked = settle(&mut table, &all, 20);
    assert!(asked.is_empty(), "{:?}", shown(&asked));
    table.select(0, 20);
    let asked = settle(&mut table, &all, 20);
    assert_eq!(
        shown(&asked),
        vec![(End::Head, 0, None, "-id")],
        "the new top is the new order's first page"
    );
    assert_eq!(table.selected_row().map(|a| a.id), Some(1_000));
}
