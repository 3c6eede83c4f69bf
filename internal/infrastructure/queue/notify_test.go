package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/infrastructure/queue"
)

// Commits that arrive while a notification is being sent are notified
// together by the next one, sent after it; nothing is left unsent.
func TestNotifierCoalescesWhileSending(t *testing.T) {
	entered, release := make(chan struct{}, 10), make(chan struct{})
	sent := make(chan []string, 10)
	n := queue.NewNotifierSending(func(_ context.Context, kinds []string) error {
		entered <- struct{}{}
		<-release
		sent <- kinds
		return nil
	})
	hang := func(what string) { t.Helper(); t.Fatalf("hang guard: %s", what) }
	done := make(chan error, 1)
	go func() { done <- n.Notify(ctx, "a") }()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		hang("the first notification never started")
	}
	for _, k := range []string{"b", "c", "b"} { // while the first is being sent: left for the next
		if err := n.Notify(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-entered:
		t.Fatal("a second notification started before the first was sent")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 2 {
		select {
		case kinds := <-sent:
			got = append(got, fmt.Sprint(kinds))
		case <-time.After(30 * time.Second):
			hang(fmt.Sprintf("notifications %v: want the first and one more", got))
		}
	}
	if got[0] != "[a]" || got[1] != "[b c]" {
		t.Fatalf("notifications %v, want [a] then [b c]", got)
	}
	select {
	case kinds := <-sent:
		t.Fatalf("a third notification %v", kinds)
	case <-time.After(100 * time.Millisecond):
	}
	if err := n.Notify(ctx, "d"); err != nil { // idle again: sent at once, by the caller
		t.Fatal(err)
	}
	if kinds := <-sent; fmt.Sprint(kinds) != "[d]" {
		t.Fatalf("sent %v, want [d]", kinds)
	}
}
