package httpx

import "context"

// mark is a flag a caller sets on a request's context. A pointer, so
// every mark is its own context key.
type mark struct{ name string }

var (
	idempotentMark = &mark{"idempotent"}
	readMark       = &mark{"read"}
)

func (m *mark) on(ctx context.Context) context.Context { return context.WithValue(ctx, m, true) }

func (m *mark) in(ctx context.Context) bool {
	v, _ := ctx.Value(m).(bool)
	return v
}

// AsIdempotent marks requests sent with the returned context as safe to
// repeat whatever their method: a POST that only reads (the PSA's
// .../search) may be retried like a GET.
func AsIdempotent(ctx context.Context) context.Context { return idempotentMark.on(ctx) }

func markedIdempotent(ctx context.Context) bool { return idempotentMark.in(ctx) }

// AsRead marks requests sent with the returned context as reads: they
// change nothing (the PSA's POST .../search), so they are idempotent, and,
// unlike a write that is merely idempotent (a PUT), they may also be
// repeated after an answer Settings.TransientRead calls transient. GET,
// HEAD and OPTIONS are reads by their method.
func AsRead(ctx context.Context) context.Context { return readMark.on(ctx) }

func markedRead(ctx context.Context) bool { return readMark.in(ctx) }

func readMethod(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return true
	}
	return false
}
