package infimatest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/psabridge/psabridge/infima"
)

// store is the simulated INFIMA tenant. Every access holds Server.mu.
type store struct {
	now     time.Time
	rng     *rand.Rand
	partner partnerRec
	clients []*clientRec
	byID    map[int]*clientRec
	nextID  int
	freshID int
	nextTID int
}

type partnerRec struct {
	name    string
	created time.Time
	admins  []adminRec
}

type adminRec struct {
	id, email, role string
	created         time.Time
}

type clientRec struct {
	id      int
	name    string
	domain  string
	created time.Time
	users   []*userRec
	byEmail map[string]*userRec
}

type userRec struct {
	id, email, first, last, dept, lang, role string
	status                                   infima.UserStatus
	created                                  time.Time
	onTrack                                  *bool
	coursesBehind                            int
	next                                     *courseRec
	tests                                    []testRec
}

type courseRec struct {
	name string
	due  time.Time
}

type testRec struct {
	id, subject, from string
	kind              infima.CampaignKind
	outcome           infima.PhishingOutcome
	sent, reached     time.Time
}

// Names are fictional; domains use the reserved .example TLD.
var (
	defaultClientNames = []string{
		"Acme Dental Group", "Blue Ridge Logistics", "Cedar Creek Accounting",
		"Summit Family Medicine", "Lakeside Credit Union", "Northgate Engineering",
		"Pinecrest Law Partners", "Riverbend Manufacturing", "Silverline Realty",
		"Tri-County Insurance Agency", "Westfield Veterinary Clinic",
	}
	freshClientName = "Harbor Point Bakery"

	namePrefixes = []string{
		"Acme", "Blue Ridge", "Cedar Creek", "Summit", "Lakeside", "Northgate", "Pinecrest",
		"Riverbend", "Silverline", "Tri-County", "Westfield", "Harbor Point", "Oak Valley",
		"Granite", "Maple Street", "Redwood", "Bayview", "Ironwood", "Sunrise", "Clearwater",
	}
	nameSuffixes = []string{
		"Dental", "Logistics", "Accounting", "Family Medicine", "Credit Union", "Engineering",
		"Law Partners", "Manufacturing", "Realty", "Insurance", "Veterinary", "Bakery",
		"Construction", "Pharmacy", "Academy",
	}
	firstNames = []string{
		"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
		"Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
		"Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra",
		"Mark", "Ashley", "Steven", "Emily", "Andrew", "Priya", "Kevin", "Maria", "Brian",
		"Aisha", "George", "Mei", "Omar", "Olivia",
	}
	lastNames = []string{
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
		"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
		"Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
		"Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
		"Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Flores", "Patel",
	}
	departments = []string{
		"Accounting", "Operations", "Sales", "IT", "Human Resources", "Front Desk",
		"Engineering", "Legal", "Marketing", "Customer Support",
	}
	courses = []string{
		"Phishing Fundamentals", "Password Security", "Social Engineering", "Safe Browsing",
		"Mobile Device Security", "Ransomware Awareness", "Business Email Compromise",
		"Multi-Factor Authentication", "Data Privacy Basics", "Physical Security",
		"Wire Fraud Prevention", "Remote Work Security",
	}
	subjects = []string{
		"Your mailbox is almost full", "Action required: password expires today",
		"Invoice #48213 past due", "Shared document: Q3 bonus schedule",
		"Package delivery failed", "Updated PTO policy – please acknowledge",
		"Unusual sign-in activity", "Voicemail received (0:42)",
		"Payroll direct deposit change", "IT: mandatory security update",
	}
	senders = []string{
		"IT Help Desk <helpdesk@it-support.example>", "Microsoft 365 <no-reply@m365-mail.example>",
		"Accounts Payable <ap@billing-center.example>", "HR Team <hr@people-portal.example>",
		"DocuSign <dse@esign-notice.example>", "UPS <tracking@parcel-status.example>",
	}
)

// outcomeWeights is a plausible mix for an established program (percent).
var outcomeWeights = []struct {
	o infima.PhishingOutcome
	w int
}{
	{infima.OutcomeSent, 35}, {infima.OutcomeOpened, 24}, {infima.OutcomeClicked, 12},
	{infima.OutcomeReported, 19}, {infima.OutcomeCredentialsSubmitted, 6},
	{infima.OutcomeAttachmentOpened, 4},
}

const day = 24 * time.Hour

func newStore(o options, today time.Time) *store {
	st := &store{
		now:    today,
		rng:    rand.New(rand.NewPCG(uint64(o.randomSeed), 0x1f1a5eed)),
		byID:   map[int]*clientRec{},
		nextID: 1,
	}
	st.partner = partnerRec{
		name:    "Northwind Managed IT",
		created: st.now.AddDate(-4, -2, 0),
		admins: []adminRec{
			{id: st.uuid(), email: "alex.morgan@northwind-it.example", role: "Administrator", created: st.now.AddDate(-4, -2, 0)},
			{id: st.uuid(), email: "sam.rivera@northwind-it.example", role: "User", created: st.now.AddDate(-2, -7, 0)},
		},
	}
	if o.noSeedData {
		return st
	}
	if o.clients > 0 {
		for i := range o.clients {
			fresh := o.clients >= 2 && i == o.clients-1
			st.addClient(generatedName(i), o.usersPerClient, fresh)
		}
		return st
	}
	for _, n := range defaultClientNames {
		st.addClient(n, 4+st.rng.IntN(21), false)
	}
	st.addClient(freshClientName, 6, true)
	return st
}

// generatedName gives WithClients data sets distinct, readable names.
func generatedName(i int) string {
	p, s := len(namePrefixes), len(nameSuffixes)
	n := namePrefixes[i%p] + " " + nameSuffixes[(i/p)%s]
	if round := i / (p * s); round > 0 {
		n += fmt.Sprintf(" %d", round+1)
	}
	return n
}

func (st *store) uuid() string {
	a, b := st.rng.Uint64(), st.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// addClient creates a client with users. A fresh client was onboarded two
// days ago: its users have no training verdict, no schedule yet and no
// phishing history.
func (st *store) addClient(name string, users int, fresh bool) *clientRec {
	c := &clientRec{
		id:      st.nextID,
		name:    name,
		domain:  slug(name) + ".example",
		byEmail: map[string]*userRec{},
	}
	st.nextID++
	if fresh {
		c.created = st.now.Add(-2 * day)
		if st.freshID == 0 {
			st.freshID = c.id
		}
	} else {
		c.created = st.now.Add(-time.Duration(120+st.rng.IntN(1000)) * day)
	}
	for i := range max(users, 0) {
		st.addUser(c, i, fresh)
	}
	st.clients = append(st.clients, c)
	st.byID[c.id] = c
	return c
}

func (st *store) addUser(c *clientRec, i int, fresh bool) {
	r := st.rng
	u := &userRec{
		id:     st.uuid(),
		first:  firstNames[r.IntN(len(firstNames))],
		last:   lastNames[r.IntN(len(lastNames))],
		dept:   departments[r.IntN(len(departments))],
		lang:   "en",
		role:   "User",
		status: infima.StatusActive,
	}
	if i == 0 {
		u.role = "Administrator"
	}
	switch p := r.IntN(100); {
	case p < 10:
		u.lang = "es"
	case p < 14:
		u.lang = "fr"
	}
	base := strings.ToLower(u.first + "." + u.last)
	u.email = base + "@" + c.domain
	for n := 2; c.byEmail[u.email] != nil; n++ {
		u.email = fmt.Sprintf("%s%d@%s", base, n, c.domain)
	}
	age := st.now.Sub(c.created)
	if fresh {
		u.created = c.created.Add(time.Duration(r.IntN(3600)) * time.Second)
		c.users = append(c.users, u)
		c.byEmail[u.email] = u
		return
	}
	u.created = c.created.Add(time.Duration(r.Int64N(int64(age/2) + 1)))
	inactive := i > 0 && r.IntN(100) < 9
	onTrack := r.IntN(100) < 78
	u.onTrack = &onTrack
	if !onTrack {
		u.coursesBehind = 1 + r.IntN(3)
	}
	if inactive {
		u.status = infima.StatusInactive
	} else {
		due := st.now.Add(time.Duration(1+r.IntN(30)) * day)
		if !onTrack {
			due = st.now.Add(-time.Duration(1+r.IntN(21)) * day)
		}
		u.next = &courseRec{name: courses[r.IntN(len(courses))], due: due}
	}
	// Roughly monthly automatic tests, with the odd on-demand campaign.
	span := int(st.now.Sub(u.created) / day)
	n := min(2+r.IntN(7), max(span/30, 1))
	for j := range n {
		back := min(j*30+r.IntN(20), span)
		sent := st.now.Add(-time.Duration(back)*day - time.Duration(r.IntN(8*3600))*time.Second)
		kind := infima.CampaignAutomatic
		if r.IntN(100) < 25 {
			kind = infima.CampaignOnDemand
		}
		u.tests = append(u.tests, st.newTest(kind, pickOutcome(r), sent))
	}
	c.users = append(c.users, u)
	c.byEmail[u.email] = u
}

func (st *store) newTest(kind infima.CampaignKind, o infima.PhishingOutcome, sent time.Time) testRec {
	st.nextTID++
	t := testRec{
		id:      fmt.Sprintf("pt-%06d", st.nextTID),
		subject: subjects[st.rng.IntN(len(subjects))],
		from:    senders[st.rng.IntN(len(senders))],
		kind:    kind,
		outcome: o,
		sent:    sent,
		reached: sent,
	}
	if o != infima.OutcomeSent {
		t.reached = sent.Add(time.Duration(5+st.rng.IntN(600)) * time.Minute)
	}
	return t
}

func pickOutcome(r *rand.Rand) infima.PhishingOutcome {
	n := r.IntN(100)
	for _, ow := range outcomeWeights {
		if n < ow.w {
			return ow.o
		}
		n -= ow.w
	}
	return infima.OutcomeSent
}

// Rates are rounded to one decimal, as dashboards show them.
func pct(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := math.Round(1000*float64(num)/float64(den)) / 10
	return &v
}

// clickRates returns failed/sent over all tests and over the last year.
func (st *store) clickRates(tests []testRec) (total, lastYear *float64) {
	yearAgo := st.now.AddDate(-1, 0, 0)
	var failed, n, failedY, nY int
	for _, t := range tests {
		n++
		f := t.outcome.Failed()
		if f {
			failed++
		}
		if !t.sent.Before(yearAgo) {
			nY++
			if f {
				failedY++
			}
		}
	}
	return pct(failed, n), pct(failedY, nY)
}

// riskScore blends phishing failures and overdue training into 0–100; nil
// for a user with nothing to judge yet.
func (st *store) riskScore(u *userRec) *float64 {
	if u.onTrack == nil && len(u.tests) == 0 {
		return nil
	}
	total, lastYear := st.clickRates(u.tests)
	v := 10.0
	if total != nil {
		v += *total * 0.5
	}
	if lastYear != nil {
		v += *lastYear * 0.3
	}
	v += float64(u.coursesBehind) * 12
	v = math.Round(10*min(v, 100)) / 10
	return &v
}
