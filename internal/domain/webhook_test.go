package domain

import (
	"slices"
	"strings"
	"testing"
)

// The vector was computed apart from this code (Python's hmac module), as a
// receiver in another language would.
func TestWebhookSignatureKnownVector(t *testing.T) {
	got := WebhookSignature("whsec_test", 1700000000, []byte(`{"id":1}`))
	want := "t=1700000000,v1=2f441ba4b3b2d50d28a9ab9d9fd8880376ecd1eb5d0435401553f5d8d0a5dcf8"
	if got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	if WebhookSignature("other", 1700000000, []byte(`{"id":1}`)) == want || WebhookSignature("whsec_test", 1700000001, []byte(`{"id":1}`)) == want {
		t.Fatal("the signature must depend on the secret and the time")
	}
}

func TestWebhookSubscriptionCheck(t *testing.T) {
	fields := func(s WebhookSubscription) []string {
		var out []string
		for _, f := range s.Check().Fields {
			out = append(out, f.Field)
		}
		return out
	}
	for _, c := range []struct {
		url    string
		events []string
		want   []string
	}{
		{"https://example.com/hook", []string{"invoice.paid"}, nil},
		{"http://example.com:8080/a?b=c", []string{"job.dead", "stock.moved"}, nil},
		{"", []string{"invoice.paid"}, []string{"url"}},
		{"ftp://example.com/", []string{"invoice.paid"}, []string{"url"}},
		{"example.com/hook", []string{"invoice.paid"}, []string{"url"}},
		{"https://user:pw@example.com/", []string{"invoice.paid"}, []string{"url"}},
		{"https:///nohost", []string{"invoice.paid"}, []string{"url"}},
		{"https://example.com/" + strings.Repeat("a", MaxWebhookURLLen), []string{"invoice.paid"}, []string{"url"}},
		{"https://example.com/", nil, []string{"events"}},
		{"https://example.com/", []string{"invoice.paid", "invoice.exploded"}, []string{"events[1]"}},
	} {
		s := WebhookSubscription{URL: c.url, Events: c.events}
		if got := fields(s); !slices.Equal(got, c.want) {
			t.Errorf("%q %v: fields %v, want %v", c.url, c.events, got, c.want)
		}
	}
	s := WebhookSubscription{URL: "https://example.com/", Events: []string{"stock.moved", "invoice.paid", "stock.moved"}}
	if err := s.Check().OrNil(); err != nil || !slices.Equal(s.Events, []string{"invoice.paid", "stock.moved"}) {
		t.Fatalf("events = %v (%v), want sorted and unique", s.Events, err)
	}
}

func TestEveryValidatedEventIsInTheCatalogue(t *testing.T) {
	for _, typ := range DocTypes() {
		if !slices.Contains(WebhookEventTypes(), ValidatedEvent(typ)) {
			t.Errorf("%s is emitted but not in WebhookEventTypes", ValidatedEvent(typ))
		}
	}
}
