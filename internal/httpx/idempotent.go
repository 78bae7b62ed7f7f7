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
