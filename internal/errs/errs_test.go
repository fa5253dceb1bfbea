package errs

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestHTTPStatus(t *testing.T) {
	tests := []struct {
		k    Kind
		want int
	}{
		{Invalid, http.StatusUnprocessableEntity}, {NotFound, http.StatusNotFound}, {Conflict, http.StatusConflict},
		{Permission, http.StatusForbidden}, {Internal, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := HTTPStatus(tt.k); got != tt.want {
			t.Errorf("HTTPStatus(%s) = %d, want %d", tt.k, got, tt.want)
		}
	}
}

func TestPositionAndKind(t *testing.T) {
	e := At(Pos{File: "a.yaml", Line: 3, Col: 7}, "bad %s", "thing")
	if e.Error() != "a.yaml:3:7: bad thing" {
		t.Errorf("Error() = %q", e.Error())
	}
	wrapped := fmt.Errorf("context: %w", e)
	if KindOf(wrapped) != Invalid || KindOf(errors.New("x")) != Internal {
		t.Error("KindOf does not see through wrapping or does not default to Internal")
	}
	if got := (Pos{File: "f.json", Path: "$.a[0]"}).String(); got != "f.json: $.a[0]" {
		t.Errorf("Pos.String() = %q", got)
	}
	var err error = errors.New("boom")
	Wrap(&err, "load(%q)", "x")
	if err.Error() != `load("x"): boom` || KindOf(err) != Internal {
		t.Errorf("Wrap gave %v", err)
	}
	var positioned error = e
	Wrap(&positioned, "ignored")
	if positioned != error(e) {
		t.Error("Wrap must not bury a positioned user error")
	}
	if (List{}).Err() != nil || (List{e, e}).Err() == nil {
		t.Error("List.Err")
	}
}
