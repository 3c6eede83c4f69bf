package usecase_test

import (
	"os"
	"testing"

	"github.com/doligo/doligo/internal/testutil/testdb"
)

// TestMain drops the shared databases testdb.Each created.
func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
