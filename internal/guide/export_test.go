package guide

// SetLoadPage sets how many guides Load reads per statement and returns
// a function that restores it (tests).
func SetLoadPage(n int) func() {
	old := loadPage
	loadPage = n
	return func() { loadPage = old }
}
