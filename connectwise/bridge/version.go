package bridge

// Version is the release of psabridge this code belongs to. Every client
// sends it in its default User-Agent ("psabridge-go/" + Version), so a
// vendor's support desk can tell which SDK release made a request.
const Version = "0.2.0"
