package api

// valueOr returns *p, or def when p is nil: the default of an optional
// request field.
func valueOr[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}
