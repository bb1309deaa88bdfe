"""Container logs, split along their seams: `lines` (parsing upstream lines into entries),
`queries` (what to read and which lines to keep), `reads` (reading, merging, paging) and `pages`
(page tokens). Following is server/containers/streams.py."""
