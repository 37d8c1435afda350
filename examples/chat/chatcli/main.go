// Command chatcli is the chat example's Go client, built on the typed
// client that sio-gen generated: it joins a room, prints what happens
// there, and sends each line typed on stdin. Lines starting with / are
// commands: /join ROOM, /leave ROOM, /history [N], /upload FILE, /quit.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/chat/chatschema"
	"github.com/siogen/sio/generated/chat"
	"github.com/siogen/sio/runtime/client"
)

func main() {
	url := flag.String("url", "http://localhost:3000", "chat server URL")
	user := flag.String("user", os.Getenv("USER"), "your name")
	room := flag.String("room", "general", "room to join")
	parser := flag.String("parser", "json", "json or msgpack (must match the server)")
	flag.Parse()
	if err := run(*url, *user, *room, *parser, os.Stdin, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(url, user, room, parser string, in io.Reader, out io.Writer) error {
	opts := client.Options{}
	if parser == "msgpack" {
		opts.Codec = msgpack.Codec{}
	} else {
		opts.Codec = socketio.JSON
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	c, err := chat.DialChat(ctx, url, opts, client.SocketOptions{
		Auth:         map[string]any{"user": user},
		OnDisconnect: func(reason string) { fmt.Fprintf(out, "* disconnected: %s\n", reason) },
	})
	cancel()
	if err != nil {
		return fmt.Errorf("chatcli: connect: %w", err)
	}
	defer c.Socket().Manager().Close()

	c.OnMessage(func(_ context.Context, m chatschema.Message) {
		fmt.Fprintf(out, "[%s] %s: %s\n", m.Room, m.User, m.Text)
	})
	c.OnPresence(func(_ context.Context, p chatschema.Presence) {
		verb := "left"
		if p.Joined {
			verb = "joined"
		}
		fmt.Fprintf(out, "* %s %s %s (%d here)\n", p.User, verb, p.Room, p.Members)
	})
	c.OnTyping(func(_ context.Context, room, who string, on bool) {
		if on {
			fmt.Fprintf(out, "* %s is typing in %s\n", who, room)
		}
	})
	c.OnFile(func(_ context.Context, f chatschema.File) {
		fmt.Fprintf(out, "* %s shared %s (%d bytes) in %s\n", f.User, f.Name, len(f.Data), f.Room)
	})

	call := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 5*time.Second)
	}
	ctx, cancel = call()
	n, err := c.Join(ctx, room)
	cancel()
	if err != nil {
		return fmt.Errorf("chatcli: join %s: %w", room, err)
	}
	fmt.Fprintf(out, "* joined %s as %s (%d here)\n", room, user, n)

	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		ctx, cancel := call()
		err := command(ctx, c, &room, line, out)
		cancel()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			fmt.Fprintf(out, "! %v\n", err)
		}
	}
	return sc.Err()
}

// command runs one input line.
func command(ctx context.Context, c *chat.ChatClient, room *string, line string, out io.Writer) error {
	if !strings.HasPrefix(line, "/") {
		return c.Say(ctx, *room, line)
	}
	verb, arg, _ := strings.Cut(line[1:], " ")
	switch verb {
	case "quit":
		return io.EOF
	case "join":
		n, err := c.Join(ctx, arg)
		if err == nil {
			*room = arg
			fmt.Fprintf(out, "* joined %s (%d here)\n", arg, n)
		}
		return err
	case "leave":
		return c.Leave(ctx, arg)
	case "history":
		limit, _ := strconv.Atoi(arg)
		msgs, err := c.History(ctx, *room, limit)
		for _, m := range msgs {
			fmt.Fprintf(out, "  %s %s: %s\n", m.At.Format(time.Kitchen), m.User, m.Text)
		}
		return err
	case "upload":
		data, err := os.ReadFile(arg)
		if err != nil {
			return err
		}
		id, err := c.Upload(ctx, *room, filepath.Base(arg), data)
		if err == nil {
			fmt.Fprintf(out, "* uploaded %s as %s\n", arg, id)
		}
		return err
	}
	return fmt.Errorf("unknown command /%s", verb)
}
