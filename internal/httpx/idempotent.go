package httpx

import "context"

type idempotentKey struct{}

// AsIdempotent marks requests sent with the returned context as safe to
// repeat whatever their method: a POST that only reads (the PSA's
// .../search) may be retried like a GET.
func AsIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func markedIdempotent(ctx context.Context) bool {
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

type readKey struct{}

// AsRead marks requests sent with the returned context as reads: they
// change nothing (the PSA's POST .../search), so they are idempotent, and,
// unlike a write that is merely idempotent (a PUT), they may also be
// repeated after an answer Settings.TransientRead calls transient. GET,
// HEAD and OPTIONS are reads by their method.
func AsRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, readKey{}, true)
}

func markedRead(ctx context.Context) bool {
	v, _ := ctx.Value(readKey{}).(bool)
	return v
}

func readMethod(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return true
	}
	return false
}
