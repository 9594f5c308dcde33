"""The pages a requester opens from an SMS or a mail without signing in: the cancellation link, the satisfaction
survey and (sandbox only) the test checkout."""
