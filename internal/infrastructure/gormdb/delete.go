package gormdb

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
)

// deleteOne deletes the one row of model that q selects (by id, and by its
// parent when the path names one) and answers every repository's delete the
// same way: NotFound when there is no such row, the in-use conflict when a
// restricting foreign key still points at it. Use cases check references they
// can name (stock movements, manufacturing orders) with a clearer message;
// the foreign key is what catches the rest, and a reference committed after
// their check.
func deleteOne(ctx context.Context, q *gorm.DB, model any, entity string, id int64) error {
	res := q.WithContext(ctx).Delete(model)
	switch {
	case res.Error != nil && foreignKeyViolated(res.Error):
		return domain.Conflictf("in-use", "%s %d is still in use and cannot be deleted", entity, id)
	case res.Error != nil:
		return fmt.Errorf("delete %s %d: %w", entity, id, res.Error)
	case res.RowsAffected == 0:
		return domain.NotFound(entity, id)
	}
	return nil
}
