package domain

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
}

// Page is one page of a list and the total number of matching rows.
type Page[T any] struct {
	Items []T
	Total int64
}
