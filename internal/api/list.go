package api

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// List paging defaults and bounds, as CONTRACT.md fixes them.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ListResponse is the wire shape of every list.
type ListResponse[T any] struct {
	Items  []T   `json:"items"`
	Total  int64 `json:"total"`
	Limit  int   `json:"limit"`
	Offset int   `json:"offset"`
}

// ParseList reads ?limit=&offset=&sort=field|-field&q= and checks the sort
// field against the list's whitelist (JSON field names). Bad values are 422s
// naming the parameter. A request for CSV (wantsCSV) asks the repository for
// a stream of every matching row, from offset on and at most limit rows when
// the client gave one.
func ParseList(c echo.Context, sortable ...string) (domain.ListQuery, error) {
	q := domain.ListQuery{Limit: DefaultLimit}
	if wantsCSV(c) {
		q.Limit, q.Stream = 0, true
	}
	verr := &domain.ValidationError{}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			verr.Add("limit", "must be a whole number from 1 to %d", MaxLimit)
		} else {
			q.Limit = n
		}
	}
	if v := c.QueryParam("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			verr.Add("offset", "must be a whole number of at least 0")
		} else {
			q.Offset = n
		}
	}
	if v := c.QueryParam("sort"); v != "" {
		field := strings.TrimPrefix(v, "-")
		ok := false
		for _, s := range sortable {
			ok = ok || s == field
		}
		if !ok {
			verr.Add("sort", "must be one of %s, optionally prefixed with -", strings.Join(sortable, ", "))
		} else {
			q.Sort, q.Desc = field, strings.HasPrefix(v, "-")
		}
	}
	q.Search = strings.TrimSpace(c.QueryParam("q"))
	return q, verr.OrNil()
}

// NewList builds the wire list from a domain page, converting each item.
func NewList[E, T any](page domain.Page[E], q domain.ListQuery, conv func(E) T) ListResponse[T] {
	items := make([]T, len(page.Items))
	for i, e := range page.Items {
		items[i] = conv(e)
	}
	return ListResponse[T]{Items: items, Total: page.Total, Limit: q.Limit, Offset: q.Offset}
}
