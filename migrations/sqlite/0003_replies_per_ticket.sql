-- The worker counts deskbot's replies on a ticket before answering it again (the reply limit
-- that stops a loop with an auto-responder): an index by ticket keeps that one lookup.
CREATE INDEX decisions_ticket ON decisions (source, ticket_id);
