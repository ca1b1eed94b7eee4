package panel

import (
	"errors"
	"net/http"

	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/control"
)

func addChat(mux *http.ServeMux, c control.Chat) {
	mux.HandleFunc("GET /api/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		ms, err := c.ChatMessages()
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, err)
			return
		}
		if ms == nil {
			ms = []chat.Message{}
		}
		writeJSON(w, http.StatusOK, ms)
	})
	mux.HandleFunc("POST /api/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Content string `json:"content"`
		}
		if err := readJSON(r, &req); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		if err := c.ChatSend(r.Context(), req.Content); err != nil {
			writeError(w, chatStatus(err), err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]bool{"sent": true})
	})
	mux.HandleFunc("DELETE /api/chat/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := c.ChatDelete(r.Context(), r.PathValue("id"), r.URL.Query().Get("reason")); err != nil {
			writeError(w, chatStatus(err), err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]bool{"deleted": true})
	})
	mux.HandleFunc("POST /api/chat/users/{id}/disconnect", func(w http.ResponseWriter, r *http.Request) {
		if err := c.ChatDisconnect(r.Context(), r.PathValue("id"), r.URL.Query().Get("reason")); err != nil {
			writeError(w, chatStatus(err), err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]bool{"disconnected": true})
	})
}

func chatStatus(err error) int {
	if errors.Is(err, chat.ErrNotConnected) {
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}
