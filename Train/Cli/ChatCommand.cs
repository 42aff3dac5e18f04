// `moe chat --checkpoint DIR`: a conversation in the terminal with a fine-tuned model (`moe sft`).
// Each line is a user message; the answer streams as it is generated, stops at the end-of-sentence
// token, and joins the history, which the chat template (Sft/ChatTemplate) frames for the next turn.
// /reset forgets the history, /exit (or Ctrl-D) ends. With stdin a pipe or a file there is no
// prompt or banner: each line is answered on one output line, then the program exits — scriptable:
//   echo "What does System.String.Trim do?" | moe chat --checkpoint runs/sft-...
// Greedy by default (--temperature 0), so a script gets the same answers every time.
using System.CommandLine;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Sft;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Cli;

public static class ChatCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A fine-tuned checkpoint folder or run folder (its latest checkpoint).", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens per answer at most.", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature; 0 is greedy.", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling: keep the most likely tokens up to this probability mass.", DefaultValueFactory = _ => 0.95 };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 0 };
        var device = DeviceSelector.CreateOption();
        var precision = PrecisionOption.ForInference();
        var command = new Command("chat", "Talk to a fine-tuned model: streams answers, keeps the history; /reset, /exit, Ctrl-D. Reads a pipe line by line.")
        {
            checkpoint, maxTokens, temperature, topP, seed, device, precision,
        };
        command.SetAction(parse => Run(parse.GetValue(checkpoint)!, parse.GetValue(maxTokens), parse.GetValue(temperature),
            parse.GetValue(topP), parse.GetValue(seed), parse.GetValue(device)!, Console.In, Console.Out, interactive: !Console.IsInputRedirected, parse.GetValue(precision)!));
        return command;
    }

    public static int Run(string path, int maxTokens, double temperature, double topP, int seed, string device,
        TextReader input, TextWriter output, bool interactive, string precisionName = "fp32")
    {
        if (maxTokens < 1) throw new Tensors.UsageException($"--max-tokens {maxTokens}: expected >= 1");
        var sampler = new Sampler(temperature, topP, seed);
        using var backend = DeviceSelector.Open(device);
        var precision = PrecisionOption.Resolve(precisionName, backend);
        var (model, tokenizer, folder) = ModelFactory.Load(path, backend, c =>
            MemoryPlan.ForInference(c, c.MaxPositionEmbeddings, "a conversation (up to max_position_embeddings)", kvCache: true, fusedAttention: backend.HasFusedAttention,
                valueBytes: precision.Weights.SizeInBytes()), precision);
        var template = new ChatTemplate(tokenizer);
        if (!ChatTemplate.HasChatTokens(tokenizer))
            Console.Error.WriteLine($"moe: warning: {folder} has no chat tokens (not fine-tuned with `moe sft`?); its answers will be plain continuations");
        var session = new ChatSession(model, template);
        if (interactive) output.WriteLine($"chatting with {folder}; /reset forgets the conversation, /exit or Ctrl-D ends it");

        while (true)
        {
            if (interactive) output.Write("> ");
            string? line = input.ReadLine();
            if (line is null) break;                               // Ctrl-D or the end of the pipe
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line == "/exit") break;
            if (line == "/reset")
            {
                session.Reset();
                if (interactive) output.WriteLine("(conversation forgotten)");
                continue;
            }
            session.Reply(line, sampler, maxTokens, piece => output.Write(piece.ReplaceLineEndings(interactive ? "\n" : " ")));
            output.WriteLine();
            output.Flush();
        }
        if (interactive) output.WriteLine();
        return 0;
    }
}
