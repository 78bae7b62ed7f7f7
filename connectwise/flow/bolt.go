package flow

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// bucket holds every key; one bucket keeps the file layout trivial to read
// with bbolt's own tools.
var bucket = []byte("flow")

// DefaultLockTimeout is how long Open waits for another process to release
// the file before it returns an error matching ErrLocked.
const DefaultLockTimeout = 2 * time.Second

// FileStore is the durable Store: one bbolt file on local disk. Each Put,
// Delete and Update is one fsynced transaction, so a value is on disk when
// the call returns and a crash never leaves a half-written file.
//
// The file is created with mode 0600. Without WithEncryptionKey, values
// (flow settings with their secrets among them) rest in it as plain JSON,
// readable by anyone who can read the file; with a key they rest sealed.
type FileStore struct {
	db   *bolt.DB
	path string
}

var _ Store = (*FileStore)(nil)

// Option tunes Open.
type Option func(*openOptions)

type openOptions struct {
	lockTimeout time.Duration
	key         []byte
}

// WithLockTimeout sets how long Open waits for a file another process holds
// (DefaultLockTimeout without this option); it must be positive.
func WithLockTimeout(d time.Duration) Option {
	return func(o *openOptions) { o.lockTimeout = d }
}

// WithEncryptionKey seals every value with AES-GCM under key (16, 24 or 32
// bytes; 32 selects AES-256) before it reaches the file, as Encrypt does.
// Keep the key outside the file (an environment variable, a secrets
// manager): a store opened with another key, or none, reads no value.
func WithEncryptionKey(key []byte) Option {
	return func(o *openOptions) { o.key = bytes.Clone(key) }
}

// Open opens, or creates, the store file at path.
//
// When another process holds the file, Open waits up to the lock timeout and
// returns a *StateError matching ErrLocked; it never opens the file twice.
// A file that is not a store, or is truncated, gives a *StateError matching
// ErrCorrupt. A bad option gives a *bridge.ConfigError.
//
// With WithEncryptionKey the result is the FileStore wrapped by Encrypt, so
// the return type is Store.
func Open(path string, opts ...Option) (Store, error) {
	o := openOptions{lockTimeout: DefaultLockTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, &bridge.ConfigError{API: "flow", Field: "path", Problem: "is empty; name the store file"}
	}
	if o.lockTimeout <= 0 {
		return nil, &bridge.ConfigError{API: "flow", Field: "LockTimeout", Problem: "must be positive; bbolt waits forever on a zero timeout"}
	}
	var aead *sealer
	if o.key != nil {
		var err error
		if aead, err = newSealer(o.key); err != nil {
			return nil, err
		}
	}
	fs, err := openFile(path, o.lockTimeout)
	if err != nil {
		return nil, err
	}
	if aead != nil {
		return &encrypted{inner: fs, seal: aead}, nil
	}
	return fs, nil
}

func openFile(path string, lockTimeout time.Duration) (fs *FileStore, err error) {
	// bbolt panics on some damaged files rather than returning an error;
	// a damaged file must give a typed error, never crash the host.
	defer func() {
		if r := recover(); r != nil {
			fs, err = nil, &StateError{Path: path, Problem: "file is damaged (bbolt could not read it); restore a backup or remove it to start afresh", Err: ErrCorrupt}
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, openError(path, err)
	}
	if err := checkFile(db); err != nil {
		_ = db.Close()
		return nil, &StateError{Path: path, Problem: "file is damaged; restore a backup or remove it to start afresh", Err: errors.Join(ErrCorrupt, err)}
	}
	return &FileStore{db: db, path: path}, nil
}

// checkFile creates the bucket and walks every page once, so a truncated
// file fails at Open rather than halfway through a flow's run.
func checkFile(db *bolt.DB) error {
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return err
	}
	return db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() { // drain fully: Check's goroutine sends every error
			if len(errs) < 3 {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return &StateError{Path: path, Problem: "another process holds this store file", Err: ErrLocked}
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch):
		return &StateError{Path: path, Problem: "not a store file, or damaged; restore a backup or remove it to start afresh", Err: errors.Join(ErrCorrupt, err)}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &StateError{Path: path, Problem: "cannot open", Err: err}
	}
	// bbolt's other refusals ("file size too small", bad magic) are about
	// the file's content.
	return &StateError{Path: path, Problem: "not a store file, or damaged; restore a backup or remove it to start afresh", Err: errors.Join(ErrCorrupt, err)}
}

// Path returns the file the store was opened on.
func (f *FileStore) Path() string { return f.path }

// Get implements Store.
func (f *FileStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkCall(ctx, key); err != nil {
		return nil, err
	}
	var out []byte
	err := f.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucket).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		out = cloneNonNil(v) // v is only valid inside the transaction
		return nil
	})
	return out, f.wrap(err)
}

// Put implements Store.
func (f *FileStore) Put(ctx context.Context, key string, value []byte) error {
	if err := checkCall(ctx, key); err != nil {
		return err
	}
	return f.wrap(f.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), cloneNonNil(value))
	}))
}

// Delete implements Store.
func (f *FileStore) Delete(ctx context.Context, key string) error {
	if err := checkCall(ctx, key); err != nil {
		return err
	}
	return f.wrap(f.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Delete([]byte(key))
	}))
}

// Update implements Store. bbolt serialises writers, so fn is called once.
func (f *FileStore) Update(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) error {
	if err := checkCall(ctx, key); err != nil {
		return err
	}
	return f.wrap(f.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		var old []byte
		if v := b.Get([]byte(key)); v != nil {
			old = cloneNonNil(v)
		}
		nv, err := fn(old)
		if err != nil {
			return err
		}
		if nv == nil {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), bytes.Clone(nv))
	}))
}

// List implements Store.
func (f *FileStore) List(ctx context.Context, prefix string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Entry
	err := f.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			out = append(out, Entry{Key: string(k), Value: cloneNonNil(v)})
		}
		return nil
	})
	return out, f.wrap(err)
}

// Close implements Store, releasing the file lock.
func (f *FileStore) Close() error { return f.db.Close() }

// wrap turns bbolt's closed-database error into errClosed and passes the
// rest (ErrNotFound, fn's own errors) through unchanged.
func (f *FileStore) wrap(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}
