package sqlbind

import "testing"

func TestDollar(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1": "SELECT 1",
		"UPDATE jobs SET a = ? WHERE id IN (?, ?)": "UPDATE jobs SET a = $1 WHERE id IN ($2, $3)",
		"é = ?": "é = $1",
	} {
		if got := Dollar(in); got != want {
			t.Errorf("Dollar(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestList(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "?", 3: "?, ?, ?"} {
		if got := List(n); got != want {
			t.Errorf("List(%d) = %q, want %q", n, got, want)
		}
	}
}
