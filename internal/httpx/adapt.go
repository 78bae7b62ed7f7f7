package httpx

// Carrier is a client's settings: anything that holds transport Settings.
// Each client package keeps its own settings struct (httpx.Settings
// embedded, plus fields only that API has), so that its Option type,
// func(*itsSettings), is distinct from every other client's while the
// transport options are still written once, here.
type Carrier interface {
	// Transport returns the embedded transport settings, to be changed in
	// place.
	Transport() *Settings
}

// Transport returns s itself, so Settings is a Carrier and a struct that
// embeds it is one too.
func (s *Settings) Transport() *Settings { return s }

// Adapt turns an option on one settings type into an option on another,
// carrying over only what it does to the transport Settings. Client
// packages use it to offer httpx's options as their own Option type; tests
// use it to reuse one list of options for several clients. Whatever the
// source option sets outside the transport (a field only its API has) is
// dropped, because the target has no such field.
func Adapt[To ~func(PB), From ~func(PA), A any, PA interface {
	*A
	Carrier
}, PB Carrier](from From) To {
	return func(dst PB) {
		if from == nil {
			return
		}
		var scratch A
		t := PA(&scratch).Transport()
		*t = *dst.Transport()
		from(&scratch)
		*dst.Transport() = *t
	}
}

// AdaptAll is Adapt over a list.
func AdaptAll[To ~func(PB), From ~func(PA), A any, PA interface {
	*A
	Carrier
}, PB Carrier](from []From) []To {
	out := make([]To, len(from))
	for i, o := range from {
		out[i] = Adapt[To](o)
	}
	return out
}
