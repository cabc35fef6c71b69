package fakewechat

// messageState records the messages and content checks the fake received.
// Guarded by Fake.mu.
type messageState struct{}

// addMessageRoutes registers subscribeMessage.send, template send and msgSecCheck.
func (f *Fake) addMessageRoutes() {}

// resetMessages forgets what was received (called with f.mu held).
func (f *Fake) resetMessages() { f.msgs = messageState{} }
