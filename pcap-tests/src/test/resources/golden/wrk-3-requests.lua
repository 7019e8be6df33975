-- wrk stops its (single) thread after the third response, so that a golden recording holds the
-- same three requests every time instead of as many as fit in the test's duration.
local responses = 0

function response(status, headers, body)
    responses = responses + 1
    if responses == 3 then
        wrk.thread:stop()
    end
end
