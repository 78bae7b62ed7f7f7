package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
)

// Store is a flow.Store in Redis, shared by every worker using the same
// Redis and prefix: mappings, settings and delivery fingerprints written by
// one worker are seen by all, and Update is atomic across them (WATCH and
// MULTI, retried when another writer raced it).
//
// Each value is one Redis string; a sorted set indexes the keys so that
// List reads a prefix in key order without scanning the keyspace. All keys
// of one store share a hash tag, so the store also works on Redis Cluster
// (on one shard).
//
// Durability is Redis's: "survives a crash once the call returns" holds
// with appendonly yes and appendfsync always; with everysec up to a second
// of writes can be lost, and without persistence a restart loses
// everything. NewStore logs a warning when it can see that persistence is
// off.
type Store struct {
	rdb    redis.UniversalClient
	values string // key prefix of values
	index  string // sorted set of keys
	closed atomic.Bool
}

var _ flow.Store = (*Store)(nil)

// updateAttempts bounds Update's retries under contention; every retry
// means another writer committed, so the system as a whole progresses.
const updateAttempts = 1000

// NewStore returns a Store keeping its keys under the prefix (WithPrefix,
// "psabridge:" by default). The caller keeps ownership of rdb: Close does
// not close it.
func NewStore(ctx context.Context, rdb redis.UniversalClient, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, &bridge.ConfigError{API: "cluster", Field: "rdb", Problem: "is nil"}
	}
	o := resolve(opts)
	tag := "{" + o.prefix + "flow}"
	s := &Store{rdb: rdb, values: tag + ":v:", index: tag + ":index"}
	if cfg, err := rdb.ConfigGet(ctx, "appendonly").Result(); err == nil && cfg["appendonly"] == "no" {
		if save, err := rdb.ConfigGet(ctx, "save").Result(); err == nil && save["save"] == "" {
			o.logger.Warn("cluster: Redis has persistence off; flow state shared through it is lost when it restarts (set appendonly yes)")
		}
	}
	return s, nil
}

func (s *Store) check(ctx context.Context, key string) error {
	if s.closed.Load() {
		return errors.New("cluster: store is closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return &bridge.ConfigError{API: "cluster", Field: "key", Problem: "is empty"}
	}
	return nil
}

// Get returns the value at key, or an error matching flow.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.check(ctx, key); err != nil {
		return nil, err
	}
	v, err := s.rdb.Get(ctx, s.values+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("cluster: %q: %w", key, flow.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: reading %q: %w", key, err)
	}
	return nonNil(v), nil
}

// Put sets the value at key.
func (s *Store) Put(ctx context.Context, key string, value []byte) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		s.queueWrite(ctx, p, key, nonNil(value))
		return nil
	})
	if err != nil {
		return fmt.Errorf("cluster: writing %q: %w", key, err)
	}
	return nil
}

// Delete removes key; deleting an absent key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		s.queueWrite(ctx, p, key, nil)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cluster: deleting %q: %w", key, err)
	}
	return nil
}

// queueWrite sets key to v, or deletes it when v is nil, with its index
// entry, inside a MULTI.
func (s *Store) queueWrite(ctx context.Context, p redis.Pipeliner, key string, v []byte) {
	if v == nil {
		p.Del(ctx, s.values+key)
		p.ZRem(ctx, s.index, key)
		return
	}
	p.Set(ctx, s.values+key, v, 0)
	p.ZAdd(ctx, s.index, redis.Z{Member: key})
}

// Update atomically replaces the value at key with fn's result; fn runs
// again when another worker changed the key meanwhile.
func (s *Store) Update(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	vk := s.values + key
	for range updateAttempts {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			old, err := tx.Get(ctx, vk).Bytes()
			switch {
			case errors.Is(err, redis.Nil):
				old = nil
			case err != nil:
				return err
			default:
				old = nonNil(old)
			}
			nv, err := fn(old)
			if err != nil {
				return &fnError{err}
			}
			if nv != nil {
				nv = nonNil(nv)
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				s.queueWrite(ctx, p, key, nv)
				return nil
			})
			return err
		}, vk)
		var fe *fnError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &fe):
			return fe.err
		case errors.Is(err, redis.TxFailedErr):
			if err := ctx.Err(); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("cluster: updating %q: %w", key, err)
		}
	}
	return fmt.Errorf("cluster: updating %q: still contended after %d attempts", key, updateAttempts)
}

// fnError carries the caller's own error through Watch unchanged.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }

// List returns every entry whose key starts with prefix, in key order.
func (s *Store) List(ctx context.Context, prefix string) ([]flow.Entry, error) {
	if s.closed.Load() {
		return nil, errors.New("cluster: store is closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lo, hi := "-", "+"
	if prefix != "" {
		// Keys are UTF-8; no key with this prefix sorts after prefix+0xff.
		lo, hi = "["+prefix, "["+prefix+"\xff"
	}
	keys, err := s.rdb.ZRangeByLex(ctx, s.index, &redis.ZRangeBy{Min: lo, Max: hi}).Result()
	if err != nil {
		return nil, fmt.Errorf("cluster: listing %q: %w", prefix, err)
	}
	out := make([]flow.Entry, 0, len(keys))
	// Values are read in batches; a key deleted between the two reads is
	// simply not listed.
	for i := 0; i < len(keys); i += 500 {
		batch := keys[i:min(i+500, len(keys))]
		vks := make([]string, len(batch))
		for j, k := range batch {
			vks[j] = s.values + k
		}
		vals, err := s.rdb.MGet(ctx, vks...).Result()
		if err != nil {
			return nil, fmt.Errorf("cluster: listing %q: %w", prefix, err)
		}
		for j, v := range vals {
			if str, ok := v.(string); ok {
				out = append(out, flow.Entry{Key: batch[j], Value: nonNil([]byte(str))})
			}
		}
	}
	return out, nil
}

// Close marks the store closed; the Redis client stays the caller's.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

// nonNil copies v into a fresh, non-nil slice: a present empty value must
// read as empty, not absent, and callers may modify what they get.
func nonNil(v []byte) []byte {
	out := make([]byte, len(v))
	copy(out, v)
	return out
}
