"""Services: the only writers. Keyword-only functions taking the session and the actor; each state change is one
guarded step that writes its event. An operation (`console.ops`) runs one or more of them in one transaction."""
