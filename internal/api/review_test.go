package api_test

import (
	"net/http"
	"testing"

	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Date bounds at the edges of the calendar answer, never with a 500: the
// last day is an inclusive bound that MySQL's DATETIME could not hold as the
// next midnight, and times outside 1000-01-01..9999-12-31 UTC are 422s.
func TestMovementDateBoundsAtCalendarEdges(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newStockAPI(t, d)
			for _, q := range []string{"to=9999-12-31", "from=1000-01-01&to=9999-12-31", "from=9999-12-31", "to=9999-12-31T23:59:59Z"} {
				if rec := a.send("all", "GET", "/api/v1/stock/movements?"+q, ""); rec.Code != http.StatusOK {
					t.Errorf("?%s: %d %s", q, rec.Code, rec.Body)
				}
			}
			for _, q := range []string{"to=9999-12-31T23:00:00-05:00", "from=0000-01-01T00:00:00Z", "from=0001-01-01"} {
				a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/stock/movements?"+q, "")
			}
		})
	}
}
