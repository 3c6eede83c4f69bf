package domain

import "iter"

// ListQuery is the paging, sorting and search part of every list.
type ListQuery struct {
	Limit  int
	Offset int
	// Sort is a whitelisted column name; Desc reverses it. Repositories add
	// the id as a tie-breaker so pages are stable.
	Sort string
	Desc bool
	// Search is a free-text filter; each list says which fields it matches.
	Search string
	// Stream asks for the matching rows as a sequence (Page.Rows) instead of
	// a counted page: every row from Offset on, at most Limit when Limit > 0,
	// in the same order as the pages. The CSV exports use it.
	Stream bool
}

// Page is one page of a list and the total number of matching rows.
type Page[T any] struct {
	Items []T
	Total int64
	// Rows is set instead of Items and Total when the query asked for a
	// stream: the rows of one query, read as the caller ranges over them
	// (stopping the range closes them). It ends at the first error, which it
	// yields. A streamed item carries its own row only: the lists that load
	// children for a page (a document's lines, a role's permissions) leave
	// them empty.
	Rows iter.Seq2[T, error]
}

// All yields the page's rows: Rows when it was streamed, else Items.
func (p Page[T]) All() iter.Seq2[T, error] {
	if p.Rows != nil {
		return p.Rows
	}
	return func(yield func(T, error) bool) {
		for _, v := range p.Items {
			if !yield(v, nil) {
				return
			}
		}
	}
}
