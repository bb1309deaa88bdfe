"""The MCP server (Model Context Protocol, official SDK) in front of McpService: stdio and
streamable HTTP transports over one bridge."""
