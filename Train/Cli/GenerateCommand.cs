// `moe generate --checkpoint DIR --prompt TEXT`: loads a trained model (a checkpoint folder, a run
// folder's latest checkpoint, or any folder with config.json, model.safetensors and tokenizer.json)
// and streams a continuation as it is sampled: temperature, nucleus (top-p), seeded, stopping at
// <|endoftext|> or after --max-tokens. Decoding goes through ILanguageModel.StartDecoding, so a
// model with a KV cache is used as such. With --chat the prompt is one user message in the chat
// template (Sft/ChatTemplate) and the answer stops at the end-of-sentence token, as `moe chat` does.
using System.CommandLine;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Sft;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Cli;

public static class GenerateCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder, a run folder (its latest checkpoint), or an HF-style model folder.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "The text to continue.", DefaultValueFactory = _ => "" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature; 0 is greedy.", DefaultValueFactory = _ => 0.8 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling: keep the most likely tokens up to this probability mass.", DefaultValueFactory = _ => 0.95 };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 0 };
        var device = DeviceSelector.CreateOption();
        var precision = PrecisionOption.ForInference();
        var chat = new Option<bool>("--chat") { Description = "Format the prompt as a user message in the chat template and print the answer (a fine-tuned model, see `moe sft`)." };
        var command = new Command("generate", "Continue a prompt with a trained model, streaming the text.")
        {
            checkpoint, prompt, maxTokens, temperature, topP, seed, device, chat, precision,
        };
        command.SetAction(parse => Run(parse.GetValue(checkpoint)!, parse.GetValue(prompt)!, parse.GetValue(maxTokens),
            parse.GetValue(temperature), parse.GetValue(topP), parse.GetValue(seed), parse.GetValue(device)!, parse.GetValue(chat), parse.GetValue(precision)!));
        return command;
    }

    private static int Run(string path, string prompt, int maxTokens, double temperature, double topP, int seed, string device, bool chat, string precisionName)
    {
        if (maxTokens < 0) throw new Tensors.UsageException($"--max-tokens {maxTokens}: expected >= 0");
        var sampler = new Sampler(temperature, topP, seed);
        using var backend = DeviceSelector.Open(device);
        var precision = PrecisionOption.Resolve(precisionName, backend);
        var (model, tokenizer, _) = ModelFactory.Load(path, backend, c =>
            MemoryPlan.ForInference(c, TextGenerator.Positions(PromptTokensAtMost(prompt, chat), maxTokens, c.MaxPositionEmbeddings),
                $"--prompt and --max-tokens {maxTokens}", kvCache: true, fusedAttention: backend.HasFusedAttention, valueBytes: precision.Weights.SizeInBytes()), precision);

        if (chat) new ChatSession(model, new ChatTemplate(tokenizer)).Reply(prompt, sampler, maxTokens, Console.Write);
        else TextGenerator.Generate(model, tokenizer, prompt, maxTokens, sampler, Console.Write);
        Console.WriteLine();
        return 0;
    }

    // Before the tokenizer is read: a byte-level BPE token covers at least one byte, so the prompt's
    // UTF-8 bytes (with the chat template's text and its bos around it) bound its tokens.
    private static long PromptTokensAtMost(string prompt, bool chat) =>
        System.Text.Encoding.UTF8.GetByteCount(chat ? $"User: {prompt}\n\n{ChatTemplate.GenerationPrompt}" : prompt) + 1;
}
