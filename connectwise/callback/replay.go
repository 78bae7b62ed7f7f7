package callback

import (
	"container/list"
	"sync"
	"time"
)

// seenState is where a MessageId stands.
type seenState int

const (
	seenNew seenState = iota
	seenInFlight
	seenDone
)

// replayCache remembers MessageIds, bounded in number and age. A message
// is claimed while its delivery is being handled and marked done once the
// caller accepted it; a failed delivery is released so the PSA's retry is
// handled.
type replayCache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	items map[string]*list.Element
	order *list.List // oldest first
}

type replayItem struct {
	id    string
	at    time.Time
	state seenState
}

func newReplayCache(max int, ttl time.Duration, now func() time.Time) *replayCache {
	return &replayCache{max: max, ttl: ttl, now: now, items: map[string]*list.Element{}, order: list.New()}
}

// claim returns seenNew and records id as in flight, or says where an
// earlier delivery of id stands.
func (c *replayCache) claim(id string) seenState {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for e := c.order.Front(); e != nil; e = c.order.Front() {
		it := e.Value.(*replayItem)
		if now.Sub(it.at) < c.ttl && c.order.Len() < c.max {
			break
		}
		if it.state == seenInFlight && now.Sub(it.at) < c.ttl {
			break // never evict a delivery that is being handled
		}
		c.order.Remove(e)
		delete(c.items, it.id)
	}
	if e, ok := c.items[id]; ok {
		return e.Value.(*replayItem).state
	}
	c.items[id] = c.order.PushBack(&replayItem{id: id, at: now, state: seenInFlight})
	return seenNew
}

// done marks id as accepted, starting its window now.
func (c *replayCache) done(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		it := e.Value.(*replayItem)
		it.state, it.at = seenDone, c.now()
		c.order.MoveToBack(e)
	}
}

// release forgets id so a redelivery is handled.
func (c *replayCache) release(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.order.Remove(e)
		delete(c.items, id)
	}
}
