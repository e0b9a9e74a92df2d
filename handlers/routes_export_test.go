package handlers

// Test-only access to the engine's route table, for tests in handlers_test
// that walk every route (security_test.go, shed_test.go).

// Route is one route of the engine: method and gin path template.
type Route struct{ Method, Path string }

// EngineRoutes lists every route of the engine New builds from d, in gin's
// order. It fails as New does.
func EngineRoutes(d Deps) ([]Route, error) {
	s, err := newServer(d)
	if err != nil {
		return nil, err
	}
	var out []Route
	for _, r := range s.engine().Routes() {
		out = append(out, Route{r.Method, r.Path})
	}
	return out, nil
}

// ShedClass names the load-shedding class of a route template: "exempt",
// "bulk", "action" or "live".
func ShedClass(route string) string { return routeClass(route).String() }
